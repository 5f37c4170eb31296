"""Read-model tables: written only by the projector, read by the API (CONTRACT.md §1)."""
