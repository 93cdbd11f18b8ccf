"""Agencies compared as intake compares them: one key, kept in libs (`penghubung.text`)."""

from __future__ import annotations

from penghubung.text import agency_key

__all__ = ["agency_key"]
