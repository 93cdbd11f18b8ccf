"""Fault tests: a package, so that their breakable servers stop when the last of them ends."""
