"""The audit key: an Ed25519 pair in PEM files, the private one readable by its owner only."""

from __future__ import annotations

import hashlib
import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from penghubung.audit.errors import AuditUsageError
from penghubung.settings import AuditSettings

log = logging.getLogger(__name__)

PRIVATE_KEY_FILE = "audit_ed25519.pem"
PUBLIC_KEY_FILE = "audit_ed25519.pub.pem"


@dataclass(frozen=True)
class KeyFiles:
    """Where a generated key pair was written, and the public key's fingerprint."""

    private_key: Path
    public_key: Path
    key_id: str


def key_id(public_key: Ed25519PublicKey) -> str:
    """The key's fingerprint: SHA-256 of the raw 32-byte public key, hex."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def public_key_pem(public_key: Ed25519PublicKey) -> bytes:
    """The public key as a SubjectPublicKeyInfo PEM."""
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def generate_key_pair(out_dir: Path) -> KeyFiles:
    """Make a new key pair in `out_dir`; existing key files are never overwritten."""
    out_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    private_path, public_path = out_dir / PRIVATE_KEY_FILE, out_dir / PUBLIC_KEY_FILE
    for path in (private_path, public_path):
        if path.exists():
            raise AuditUsageError(f"{path} already exists: refusing to overwrite an audit key")
    private_key = Ed25519PrivateKey.generate()
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    _write_new(private_path, pem, mode=0o600)
    _write_new(public_path, public_key_pem(private_key.public_key()), mode=0o644)
    return KeyFiles(private_path, public_path, key_id(private_key.public_key()))


def _write_new(path: Path, data: bytes, *, mode: int) -> None:
    # O_EXCL with the mode: the file is never, even for an instant, readable by others.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.chmod(path, mode)  # the umask may have narrowed it: state it exactly


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """The private key of a PEM file (an unencrypted PKCS#8 Ed25519 key)."""
    data = _read(path, "private key")
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        log.warning("audit private key %s is readable by others (mode %o): chmod 600", path, mode)
    return parse_private_key(data, source=str(path))


def parse_private_key(data: bytes, *, source: str) -> Ed25519PrivateKey:
    """A private key from PEM bytes (a key file, or a setting filled from a secret store)."""
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise AuditUsageError(f"{source} is not an unencrypted PEM private key: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise AuditUsageError(f"{source} holds a {type(key).__name__}, not an Ed25519 key")
    return key


def signing_key(settings: AuditSettings, path: Path | None = None) -> Ed25519PrivateKey:
    """The key that signs checkpoints: the file given, else PENGHUBUNG_AUDIT_PRIVATE_KEY_PEM,
    else the file PENGHUBUNG_AUDIT_PRIVATE_KEY names (kept elsewhere than the data, ideally)."""
    if path is not None:
        return load_private_key(path)
    if settings.audit_private_key_pem is not None:
        pem = settings.audit_private_key_pem.get_secret_value().encode()
        return parse_private_key(pem, source="PENGHUBUNG_AUDIT_PRIVATE_KEY_PEM")
    return load_private_key(settings.audit_private_key)


def load_public_key(path: Path) -> Ed25519PublicKey:
    """The public key of a PEM file."""
    return parse_public_key(_read(path, "public key"), source=str(path))


def parse_public_key(data: bytes, *, source: str) -> Ed25519PublicKey:
    """A public key from PEM bytes (a key file, or the copy inside a bundle)."""
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as exc:
        raise AuditUsageError(f"{source} is not a PEM public key: {exc}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise AuditUsageError(f"{source} holds a {type(key).__name__}, not an Ed25519 key")
    return key


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise AuditUsageError(f"cannot read the {what} {path}: {exc.strerror}") from None
