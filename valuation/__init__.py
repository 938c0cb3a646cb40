"""valuation package."""
