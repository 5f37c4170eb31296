"""The application's ports implemented on Django: the event store, the access index, users."""
