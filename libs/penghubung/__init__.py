"""Penghubung: the shared core of the service-desk backbone (events, event log, bus, runtime)."""
