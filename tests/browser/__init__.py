"""Browser tests: a package, so that their system and Chromium stop when the last of them ends."""
