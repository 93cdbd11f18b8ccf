"""The use cases: load → decide → append, one transaction each."""
