"""The SLA's edges: its HTTP routes, response models and database reads."""
