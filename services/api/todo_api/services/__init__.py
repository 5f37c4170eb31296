"""The service layer: command handlers (writes) and selectors (reads)."""
