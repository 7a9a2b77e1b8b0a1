"""`flask run-all`: the web server, the worker and the mail catcher, as child processes."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from enquiry.cli.worker import stop_on_signals

CATCHER_HOST = "127.0.0.1"
DEFAULT_CATCHER_PORT = 8025
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True)
class Child:
    """A process to start: a name for messages, its command line, the port it will serve."""

    name: str
    argv: list[str]
    listens_on: tuple[str, int] | None = None


def wait_until_ready(child: Child, timeout: float = 15.0) -> None:
    """Wait until the child accepts connections, so the next one finds it (bounded)."""
    if child.listens_on is None:
        return
    deadline = time.monotonic() + timeout
    while not is_listening(*child.listens_on) and time.monotonic() < deadline:
        time.sleep(0.1)


def public_base_url(config: Mapping[str, Any], host: str, port: int) -> str | None:
    """The address mail links should carry when the site is served on another port or host
    than the default's (`make run PORT=8080`); None when the setting was chosen, or fits.

    Only the built-in default is replaced: an office's own PUBLIC_BASE_URL is never touched.
    """
    from enquiry.config import Defaults

    if config.get("PUBLIC_BASE_URL") != Defaults.PUBLIC_BASE_URL:
        return None
    shown = "127.0.0.1" if host in {"0.0.0.0", "::", ""} else host  # noqa: S104  (a name to link to)
    wanted = f"http://{'[' + shown + ']' if ':' in shown else shown}:{port}"
    return None if wanted == Defaults.PUBLIC_BASE_URL else wanted


def wants_catcher(config: Mapping[str, Any]) -> bool:
    """Catch mail locally when enabled and MAIL_SERVER/MAIL_PORT are the catcher's address."""
    return (
        bool(config.get("MAIL_CATCHER", True))
        and str(config.get("MAIL_SERVER", "")).lower() in LOCAL_HOSTS
        and int(config.get("MAIL_PORT") or 0) == catcher_port(config)
    )


def catcher_port(config: Mapping[str, Any]) -> int:
    """The port the local mail catcher listens on (MAIL_CATCHER_PORT, 8025 by default)."""
    return int(config.get("MAIL_CATCHER_PORT") or DEFAULT_CATCHER_PORT)


def is_listening(host: str, port: int) -> bool:
    """Say whether something already accepts connections on host:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((host, port)) == 0


def plan(
    config: Mapping[str, Any],
    *,
    flask: Sequence[str],
    host: str,
    port: int,
    announce: Callable[[str], None],
) -> list[Child]:
    """Return the children to start: the catcher (when wanted and free), worker, web server."""
    children = []
    if wants_catcher(config):
        catcher = (CATCHER_HOST, catcher_port(config))
        if is_listening(*catcher):
            announce(f"{CATCHER_HOST}:{catcher[1]} is taken: using the mail catcher there")
        else:
            argv = [*flask, "mail", "catch", "--host", CATCHER_HOST, "--port", str(catcher[1])]
            children.append(Child("mail catcher", argv, catcher))
    children.append(Child("worker", [*flask, "worker"]))
    children.append(Child("web server", [*flask, "run", "--host", host, "--port", str(port)]))
    return children


def supervise(
    processes: Sequence[tuple[str, subprocess.Popen[bytes]]],
    *,
    announce: Callable[[str], None],
    grace: float = 10.0,
) -> int:
    """Wait for Ctrl-C, SIGTERM or a child's exit; then stop every child. Return an exit code."""
    stop = threading.Event()
    code = 0
    try:
        with stop_on_signals(stop, announce):
            while not stop.wait(0.3):
                exited = [(name, p.returncode) for name, p in processes if p.poll() is not None]
                if exited:
                    name, code = exited[0]
                    announce(f"The {name} exited with status {code}; stopping the others.")
                    break
    finally:
        stop_all(processes, grace=grace)
    return code


def stop_all(processes: Sequence[tuple[str, subprocess.Popen[bytes]]], *, grace: float) -> None:
    """SIGTERM each child's process group, wait up to `grace` seconds, then SIGKILL."""
    for _name, process in processes:
        _signal_group(process, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for _name, process in processes:
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            process.wait()


def _signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signum)  # each child leads its own group (start_new_session)
