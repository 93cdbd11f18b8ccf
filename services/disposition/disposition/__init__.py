"""Disposition: the request's way down the hierarchy, kadis → kabid → prakom → petugas (SOP 2–4)."""
