"""Intake: SOP step 1 — requests registered under a gap-free ticket, returned, resubmitted."""
