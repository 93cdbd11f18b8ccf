"""Journeys: a package, so that their system stops when the last of them ends."""
