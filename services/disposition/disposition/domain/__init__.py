"""The pure rules of disposition: commands, state, decide, errors — no I/O."""
