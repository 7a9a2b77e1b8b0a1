"""Secret files in the instance folder (the secret key, audit keys): created whole, mode 0600."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

logger = logging.getLogger(__name__)


def write_new_file(path: Path, content: str) -> bool:
    """Create path with content, mode 0600, all at once; False if it already exists.

    Written to a private temporary file and hard-linked into place, so no reader ever sees a
    half-written key and two processes starting together cannot both create one.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            return False
        return True
    finally:
        temporary.unlink(missing_ok=True)


def instance_secret(path: Path) -> str:
    """Read a secret file, or create it with a random value; two processes get the same one."""
    if write_new_file(path, secrets.token_hex(32)):
        logger.warning("Generated a new secret in %s", path)
    return path.read_text(encoding="ascii").strip()
