"""Generators of the interop files (schemas/events, docs/asyncapi.yaml and its HTML page)."""
