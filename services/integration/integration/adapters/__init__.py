"""The ways in and out: HTTP routes, bus subscribers and the read rows in PostgreSQL."""
