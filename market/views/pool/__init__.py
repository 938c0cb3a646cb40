"""The bureau's pool pages: balance, ledger, claims, suspensions, scheme versions."""
