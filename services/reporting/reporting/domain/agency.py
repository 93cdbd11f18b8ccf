"""Agencies compared as intake compares them: without regard to case or spacing."""

from __future__ import annotations


def agency_key(name: str) -> str:
    """`"Dinas  kesehatan "` and `"Dinas Kesehatan"` are one agency: `"dinas kesehatan"`."""
    return " ".join(name.split()).casefold()
