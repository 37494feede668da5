"""Encryption and keyed digests for personal data (PIPL).

Phones and ID numbers are stored as Fernet tokens, so a stolen database dump does not leak them;
a keyed HMAC digest beside the token lets us find a row by phone without decrypting every row.
"""

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import models


@lru_cache(maxsize=4)
def _fernet(key: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(("fernet:" + key).encode()).digest()))


def encrypt(value: str) -> str:
    return _fernet(settings.FIELD_ENCRYPTION_KEY).encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet(settings.FIELD_ENCRYPTION_KEY).decrypt(token.encode()).decode()
    except InvalidToken as exc:  # a wrong key must be loud, never silently show garbage
        raise ValueError("cannot decrypt a protected field: is JINLIN_FIELD_KEY the one it was written with?") from exc


def digest(kind: str, value: str) -> str:
    """A stable keyed digest, for unique lookups of encrypted values."""
    key = hashlib.sha256(("digest:" + settings.FIELD_ENCRYPTION_KEY).encode()).digest()
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
