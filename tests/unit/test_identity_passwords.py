"""Password hashing and policy."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from ninevectors.services.errors import ValidationFailed
from ninevectors.services.identity import passwords


def test_hash_and_verify() -> None:
    hashed = passwords.hash_password("Correct-Horse-42")
    assert hashed.startswith("$argon2id$")
    assert passwords.verify_password(hashed, "Correct-Horse-42")
    assert not passwords.verify_password(hashed, "correct-horse-42")
    assert not passwords.verify_password("not-a-hash", "Correct-Horse-42")
    assert not passwords.verify_password(None, "Correct-Horse-42")
    assert not passwords.needs_rehash(hashed)


def test_weaker_hashes_need_rehash() -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash("x")
    assert passwords.needs_rehash(weak)
    assert passwords.needs_rehash("garbage")


@pytest.mark.parametrize(
    ("password", "fragment"),
    [
        ("", "Enter a password"),
        ("Short-1", "at least 10"),
        ("a" * 129 + "B", "at most 128"),
        ("alllowercaseletters", "two kinds"),
        ("1234567890123", "two kinds"),
        ("ada@alpha.example", "must not be your e-mail"),
        ("ADA@Alpha.Example", "must not be your e-mail"),
    ],
)
def test_policy_refusals(password: str, fragment: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        passwords.check_password_policy(password, "ada@alpha.example")
    assert caught.value.field == "password"
    assert fragment in caught.value.message


def test_policy_accepts_a_reasonable_password() -> None:
    assert passwords.check_password_policy("correct horse 42", "x@y.example")
    with pytest.raises(ValidationFailed):
        passwords.check_password_policy(12345678901, None)
