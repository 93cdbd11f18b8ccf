"""Reporting: every request's status and timeline, its report, Berita Acara and agenda book."""
