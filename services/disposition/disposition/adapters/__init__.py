"""The edges of the service: HTTP, the bus and the service's own tables."""
