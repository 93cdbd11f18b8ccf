"""HTTP pieces shared by the services: identity, errors, health."""
