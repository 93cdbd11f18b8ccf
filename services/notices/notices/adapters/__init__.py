"""Outside the domain: the database, HTTP, the bus, channels, templates, tasks."""
