"""The read model of every request, built from every event of the log in global order."""
