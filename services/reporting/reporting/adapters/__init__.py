"""Reporting's edges: the HTTP API, the bus subscribers and its own SQL."""
