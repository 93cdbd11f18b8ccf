"""Directory: who is who — agencies, people, roles, Plt/Plh delegations, sign-in and tokens."""
