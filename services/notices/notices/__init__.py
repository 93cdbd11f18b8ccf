"""Notices: telling people, by e-mail, WhatsApp or the portal, in service hours."""
