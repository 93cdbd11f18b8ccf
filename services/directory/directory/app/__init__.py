"""The directory's handlers: load, decide, then read rows and the append in one transaction."""
