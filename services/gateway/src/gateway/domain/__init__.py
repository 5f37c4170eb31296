"""The gateway's pure rules: who may read a channel, revocations, ordering. No I/O here."""
