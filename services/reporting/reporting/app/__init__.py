"""Reporting's handlers: load the `reporting-<ticket>` stream, decide, append, one transaction."""
