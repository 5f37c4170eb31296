"""Who the caller is: API tokens, idempotency records, and the write side's access index."""
