"""Where the audit key, the checkpoint files and the signing interval come from."""

from penghubung.settings import AuditSettings

__all__ = ["AuditSettings"]
