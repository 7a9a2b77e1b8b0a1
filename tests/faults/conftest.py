"""Fixtures for the fault tests: real processes, apps on the test database, a private cluster."""

from __future__ import annotations

import os
import pwd
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.app.test_ask import add_default_department
from tests.conftest import require
from tests.faults.processes import Cluster, Processes, postgres_bin
from tests.smtp_server import SmtpServer


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    """Start processes with `processes.start(...)`; every one is stopped afterwards."""
    started = Processes(logs=tmp_path / "logs", env={})
    try:
        yield started
    finally:
        started.stop_all()
        print(started.report())  # shown by pytest when the test failed


@pytest.fixture
def office(make_app: Callable[..., Flask]) -> Callable[..., Flask]:
    """Return a factory of apps on this test's database with the default department."""

    def factory(**config: Any) -> Flask:
        app = make_app(**config)
        add_default_department(app)
        return app

    return factory


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer.running() as server:
        yield server


# A PostgreSQL cluster of our own ---------------------------------------------------------------


def _can_run_initdb() -> bool:
    if os.geteuid() != 0:
        return True
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return False
    return True


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    """A throw-away PostgreSQL cluster on a free port (never the machine's own)."""
    bindir = postgres_bin()
    require(bindir is not None, "PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    require(_can_run_initdb(), "running as root without a postgres system user for initdb")
    assert bindir is not None
    server = Cluster(bindir)
    try:
        server.create()
        yield server
    finally:
        server.destroy()
