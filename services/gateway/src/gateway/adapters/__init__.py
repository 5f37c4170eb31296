"""What the gateway talks to: the broker, the API's events endpoint, engine.io internals."""
