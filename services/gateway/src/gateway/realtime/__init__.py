"""Socket.IO side of the gateway: sessions, subscriptions, fan-out of events."""
