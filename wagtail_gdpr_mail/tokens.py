"""One-time tokens for links in mail: random, stored only as a hash, looked up by it.

A token is 256 random bits, URL-safe. Only :func:`hash_token` of it is ever
stored; the link carries the token itself. Single use and expiry belong to the
row that holds the hash (a signup, an access request).
"""

from __future__ import annotations

import hashlib
import secrets

TOKEN_BYTES = 32  # 256 bits
#: Longer strings are never tokens of ours; they are refused before hashing.
MAX_TOKEN_LENGTH = 200


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def lookup_hash(token: str | None) -> str | None:
    """The hash to look ``token`` up by, or None for something that cannot be one of ours."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return hash_token(token)
