"""The installation's own secret key: a random key kept in the data folder.

Used when ``NINEVECTORS_SECRET_KEY`` is not set (development and test; production must set
one). ``prepare`` and ``serve`` create it once (file mode 0600); every process of the
installation then reads the same key, so signed links and response ids stay valid across
restarts. Reading never writes: a process that finds no file (a unit test, a tool run before
``prepare``) gets a random key of its own for that data folder, never a public one.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

log = logging.getLogger(__name__)

FILE_NAME = "secret_key"
KEY_BYTES = 48  # 64 URL-safe characters

_ephemeral: dict[Path, str] = {}


def path_in(data_dir: Path) -> Path:
    return data_dir / FILE_NAME


def read(data_dir: Path) -> str | None:
    """The key stored in ``data_dir``, or None when there is none yet."""
    try:
        key = path_in(data_dir).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return key or None


def ensure(data_dir: Path) -> tuple[str, bool]:
    """The key stored in ``data_dir``, created first if missing; whether it was created.

    The key is written to a private temporary file and then hard-linked into place, so
    processes racing to create it agree on one key and never read a half-written file.
    """
    existing = read(data_dir)
    if existing is not None:
        return existing, False
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(KEY_BYTES)
    temporary = data_dir / f".{FILE_NAME}.{os.getpid()}.{secrets.token_hex(4)}"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(key + "\n")
            file.flush()
            os.fsync(file.fileno())
        os.link(temporary, path_in(data_dir))
    except FileExistsError:
        winner = read(data_dir)
        if winner is None:
            raise
        return winner, False
    finally:
        temporary.unlink(missing_ok=True)
    return key, True


def for_process(data_dir: Path) -> str:
    """The stored key, or (none stored yet) a random key for this process and data folder."""
    stored = read(data_dir)
    if stored is not None:
        return stored
    resolved = data_dir.resolve()
    if resolved not in _ephemeral:
        log.warning(
            "no secret key in %s yet (run `python -m ninevectors.cli prepare`): using a "
            "random key for this process only",
            data_dir,
        )
        _ephemeral[resolved] = secrets.token_urlsafe(KEY_BYTES)
    return _ephemeral[resolved]


def is_process_only(key: str) -> bool:
    """Whether ``key`` is a random key of this process (no key stored for its data folder)."""
    return key in _ephemeral.values()
