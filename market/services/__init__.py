"""Business rules: keyword-only functions, one transaction each, raising domain errors."""
