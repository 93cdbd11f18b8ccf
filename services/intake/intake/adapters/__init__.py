"""The ways in and out of intake: HTTP, the bus, and its own tables."""
