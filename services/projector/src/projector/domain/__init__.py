"""The projection itself: pure functions from store events to read-model rows (no I/O)."""
