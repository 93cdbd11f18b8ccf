"""Helpers for Penghubung's test suite: where the real PostgreSQL and NATS servers come from."""

from penghubung.testing.servers import ServerUrls, provide_servers, spawn_private_nats

__all__ = ["ServerUrls", "provide_servers", "spawn_private_nats"]
