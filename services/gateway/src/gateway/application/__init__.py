"""Use cases of the gateway: sessions, subscriptions, connections, fan-out of events."""
