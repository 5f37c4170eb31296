"""Use cases of the projector: apply store events, consume live, rebuild."""
