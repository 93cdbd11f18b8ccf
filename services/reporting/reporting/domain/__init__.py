"""Reporting's own decisions: write the report, reserve the Berita Acara number, archive (pure)."""
