"""The SLA's orchestration: calendar changes, recalculations, readings, warnings, sampling."""
