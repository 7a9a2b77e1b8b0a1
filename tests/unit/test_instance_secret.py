"""The secret key made on first run: private from its first byte, one value under a race."""

from __future__ import annotations

import stat
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from enquiry.config import secret_key_for
from enquiry.instance_files import instance_secret


def test_the_key_is_created_with_mode_0600_and_kept(tmp_path: Path) -> None:
    key = secret_key_for(str(tmp_path / "instance"))
    path = tmp_path / "instance" / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(key) == 64 and int(key, 16) >= 0
    assert secret_key_for(str(tmp_path / "instance")) == key
    assert [p.name for p in path.parent.iterdir()] == ["secret_key"]  # no temporary left


def test_a_permissive_umask_does_not_widen_the_mode(tmp_path: Path) -> None:
    import os

    old = os.umask(0)
    try:
        instance_secret(tmp_path / "key")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "key").stat().st_mode) == 0o600


def test_servers_starting_at_once_agree_on_one_key(tmp_path: Path) -> None:
    with ProcessPoolExecutor(max_workers=8) as pool:
        for attempt in range(5):  # the race is lost about half the time without the link
            instance = tmp_path / f"instance-{attempt}"
            keys = set(pool.map(secret_key_for, [str(instance)] * 32))
            assert keys == {(instance / "secret_key").read_text().strip()}
            assert [p.name for p in instance.iterdir()] == ["secret_key"]
