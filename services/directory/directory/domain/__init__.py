"""The pure rules of the directory: who may hold which role, and who stands in for whom."""
