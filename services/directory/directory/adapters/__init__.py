"""The directory's ways in and out: HTTP, its own tables, the bus."""
