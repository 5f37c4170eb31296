"""The projector's commands: run (default), rebuild, dead-letters."""
