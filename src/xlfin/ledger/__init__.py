"""The ledger: what was billed, remembered in SQLite."""
