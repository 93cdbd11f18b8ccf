"""Orchestration: load the work item and its stream, decide, write, in one transaction."""
