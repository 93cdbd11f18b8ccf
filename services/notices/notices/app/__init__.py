"""The use cases of the notices service."""
