-- When the signed Berita Acara came back (BeritaAcaraSigned): no reminder is due after it.
ALTER TABLE notices.requests ADD COLUMN berita_acara_returned_at timestamptz;
