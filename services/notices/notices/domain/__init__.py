"""Pure rules: who is told what, on which channel, when."""
