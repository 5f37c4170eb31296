"""The outbox relay: publishes stored events to the exchange, in position order."""
