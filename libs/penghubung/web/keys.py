"""Access tokens' keys: Ed25519 pairs, their JWKs (RFC 7638 thumbprints as `kid`), EdDSA signing."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from jwt.algorithms import OKPAlgorithm


@dataclass(frozen=True)
class SigningKey:
    """A key pair for signing access tokens: its id, the private PEM, the public JWK."""

    kid: str
    private_pem: str
    public_jwk: dict[str, Any]


def new_signing_key() -> SigningKey:
    """A fresh Ed25519 key pair; its `kid` is the thumbprint of its public JWK."""
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public: dict[str, Any] = json.loads(OKPAlgorithm.to_jwk(private.public_key()))
    kid = thumbprint(public)
    return SigningKey(
        kid=kid, private_pem=pem, public_jwk={**public, "kid": kid, "alg": "EdDSA", "use": "sig"}
    )


def thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 thumbprint of an OKP public key (crv, kty, x), base64url without padding."""
    canonical = json.dumps({k: jwk[k] for k in ("crv", "kty", "x")}, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def sign(claims: dict[str, Any], key: SigningKey | tuple[str, str]) -> str:
    """An EdDSA JWT of `claims`, with the key's `kid` in its header."""
    kid, pem = (key.kid, key.private_pem) if isinstance(key, SigningKey) else key
    private = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(private, Ed25519PrivateKey):
        raise ValueError("the signing key is not an Ed25519 key")
    return jwt.encode(claims, private, algorithm="EdDSA", headers={"kid": kid})


def public_key(jwk: dict[str, Any]) -> Ed25519PublicKey:
    """The public key of a JWK."""
    key = OKPAlgorithm.from_jwk(jwk)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key
