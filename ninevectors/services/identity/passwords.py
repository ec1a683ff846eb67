"""Password hashing (argon2id via argon2-cffi) and the password policy."""

from __future__ import annotations

import contextlib
import string
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from ninevectors.services.errors import ValidationFailed

MIN_LENGTH = 10
MAX_LENGTH = 128

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; False for a mismatch or an unusable hash."""
    if not password_hash or not isinstance(password, str):
        burn_time(password if isinstance(password, str) else "")
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash("not-a-real-password-just-for-timing")


def burn_time(password: str) -> None:
    """Spend what a real verification costs, so an unknown e-mail answers as slowly."""
    with contextlib.suppress(VerifyMismatchError, VerificationError, InvalidHashError):
        _hasher.verify(_dummy_hash(), password)


def _character_classes(password: str) -> int:
    classes = (
        any(c.islower() for c in password),
        any(c.isupper() for c in password),
        any(c.isdigit() for c in password),
        any(not c.isalnum() or c in string.punctuation for c in password),
    )
    return sum(classes)


def check_password_policy(password: object, email: str | None = None) -> str:
    """Return ``password`` when it meets the policy, else raise ValidationFailed("password")."""
    if not isinstance(password, str) or not password:
        raise ValidationFailed("password", "Enter a password.")
    if len(password) < MIN_LENGTH:
        raise ValidationFailed(
            "password", f"The password must be at least {MIN_LENGTH} characters long."
        )
    if len(password) > MAX_LENGTH:
        raise ValidationFailed(
            "password", f"The password must be at most {MAX_LENGTH} characters long."
        )
    if _character_classes(password) < 2:
        raise ValidationFailed(
            "password",
            "The password must mix at least two kinds of characters "
            "(lower-case, upper-case, digits, symbols).",
        )
    if email and password.strip().lower() == email.strip().lower():
        raise ValidationFailed("password", "The password must not be your e-mail address.")
    return password
