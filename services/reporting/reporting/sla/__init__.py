"""The service standard (SLA): working calendar, clocks, compliance, warnings, availability."""
