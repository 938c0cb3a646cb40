"""riskpool package."""
