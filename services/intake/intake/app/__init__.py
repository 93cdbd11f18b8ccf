"""Orchestration: load, decide, and write the events with the read rows in one transaction."""
