"""The SLA's pure rules: the calendar's commands and versions, the clocks, compliance, warnings."""
