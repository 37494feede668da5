"""Encryption and keyed digests for personal data (PIPL).

Phones and ID numbers are stored as Fernet tokens, so a stolen database dump does not leak them;
a keyed HMAC digest beside the token lets us find a row by phone without decrypting every row.

Key rotation: `JINLIN_FIELD_KEYS` (settings.FIELD_ENCRYPTION_KEYS) lists several keys, newest
first; the first encrypts, every one decrypts (MultiFernet), and `jinlin rekey` re-encrypts every
stored token under the first. Digests use one key that never rotates with them:
`JINLIN_DIGEST_KEY` (settings.FIELD_DIGEST_KEY) if set, else `JINLIN_FIELD_KEY` — so a lookup
by phone or ID number finds the same row before, during and after a rotation.
"""

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


@lru_cache(maxsize=4)
def _fernet(key: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(("fernet:" + key).encode()).digest()))


def field_keys() -> list[str]:
    """The encryption keys, newest (the one that encrypts) first."""
    return list(getattr(settings, "FIELD_ENCRYPTION_KEYS", None) or [settings.FIELD_ENCRYPTION_KEY])


@lru_cache(maxsize=4)
def _multi(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([_fernet(k) for k in keys])


def encrypt(value: str) -> str:
    return _fernet(field_keys()[0]).encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _multi(tuple(field_keys())).decrypt(token.encode()).decode()
    except InvalidToken as exc:  # a wrong key must be loud, never silently show garbage
        raise ValueError(
            "cannot decrypt a protected field: is its key among JINLIN_FIELD_KEYS / JINLIN_FIELD_KEY?"
        ) from exc


def is_current(token: str) -> bool:
    """Whether a token is already encrypted with the first (current) key."""
    try:
        _fernet(field_keys()[0]).decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def reencrypt(token: str) -> str:
    """The token under the current key (the plaintext unchanged); raises on an unknown key."""
    try:
        return _multi(tuple(field_keys())).rotate(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("a protected field is encrypted with none of the configured keys") from exc


def digest_key() -> str:
    return getattr(settings, "FIELD_DIGEST_KEY", "") or settings.FIELD_ENCRYPTION_KEY


def digest(kind: str, value: str) -> str:
    """A stable keyed digest, for unique lookups of encrypted values (its key never rotates)."""
    key = hashlib.sha256(("digest:" + digest_key()).encode()).digest()
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """A text column whose value is encrypted at rest; Python code sees plain text."""

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)
