"""Real processes for the fault tests: app servers, workers, a browser, a throw-away PostgreSQL.

Every process is started in its own session (process group) so that a stop can also reach
the children it forked (gunicorn's workers); output goes to a log file shown on failure.
"""

from __future__ import annotations

import contextlib
import glob
import http.client
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

from enquiry import ROOT, create_app
from enquiry.extensions import db
from enquiry.models import Base
from tests.app.test_ask import add_default_department
from tests.conftest import base_config
from tests.smtp_server import free_port

HOST = "127.0.0.1"


class Child:
    """A subprocess whose output is kept in a file; stopped or killed by its own id."""

    def __init__(self, name: str, argv: list[str], env: Mapping[str, str], logs: Path) -> None:
        self.name = name
        self.stop_signal = signal.SIGTERM
        self.grace = 10.0  # seconds between the stop signal and SIGKILL
        logs.mkdir(parents=True, exist_ok=True)
        self.log_path = logs / f"{name}.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_for(self, text: str, timeout: float = 90.0) -> None:
        """Wait until the process printed `text`."""
        deadline = time.monotonic() + timeout
        while text not in self.output():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"{self.name}: no {text!r} in output:\n{self.output()}")
            time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL the process itself (not its group), as a crash or the OOM killer would."""
        os.kill(self.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self, timeout: float | None = None) -> int | None:
        """Ask the process to stop; SIGKILL its group if it has not exited in time."""
        self.ask_to_stop()
        return self.finish(timeout)

    def ask_to_stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(self.stop_signal)

    def finish(self, timeout: float | None = None) -> int | None:
        """Wait for the exit, then SIGKILL what is left of the group we started."""
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=self.grace if timeout is None else timeout)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)  # gunicorn's forked workers too
        if self.process.poll() is None:
            self.process.wait(timeout=10)
        self._log.close()
        return self.process.returncode


@dataclass
class Processes:
    """The processes one test started; all are stopped in the fixture's finalizer."""

    logs: Path
    env: dict[str, str]
    started: list[Child] = field(default_factory=list)

    def start(self, name: str, argv: list[str], **settings: Any) -> Child:
        env = self.env | {f"ENQUIRY_{key}": str(value) for key, value in settings.items()}
        child = Child(name, argv, env, self.logs)
        self.started.append(child)
        return child

    def flask(self, name: str, *args: str, **settings: Any) -> Child:
        """Start `flask <args>` (e.g. `flask worker`)."""
        return self.start(name, [sys.executable, "-m", "flask", *args], **settings)

    def gunicorn(self, name: str, port: int, workers: int = 2, **settings: Any) -> Child:
        """Start the app under gunicorn on a port (`wait_for_http` tells when it serves)."""
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(workers),
            "--bind",
            f"{HOST}:{port}",
            "--graceful-timeout",
            "5",
            "--preload",  # import the app once, then fork: workers start in a fraction
            "--no-control-socket",  # else every gunicorn here shares ~/.gunicorn/gunicorn.ctl
            "enquiry:create_app()",
        ]
        child = self.start(name, argv, **settings)
        child.stop_signal = signal.SIGINT  # gunicorn's quick shutdown
        child.grace = 3.0  # its master can dawdle for seconds after the workers are gone
        return child

    def stop_all(self) -> None:
        for child in self.started:  # all at once: they shut down side by side
            child.ask_to_stop()
        for child in self.started:
            child.finish()

    def report(self) -> str:
        return "\n".join(f"--- {c.name} ---\n{c.output()[-4000:]}" for c in self.started)


def app_env(database_uri: str, instance: Path, **settings: Any) -> dict[str, str]:
    """The environment of an app or worker process on a database."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("ENQUIRY_")}
    env |= {
        "FLASK_APP": "enquiry:create_app",
        "PYTHONUNBUFFERED": "1",
        "ENQUIRY_INSTANCE_PATH": str(instance),
        "ENQUIRY_SQLALCHEMY_DATABASE_URI": database_uri,
        "ENQUIRY_SECRET_KEY": "fault-tests-secret-key-not-for-production",
    }
    env |= {f"ENQUIRY_{key}": str(value) for key, value in settings.items()}
    return env


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


# A browser -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    text: str


class Browser:
    """A tiny cookie-keeping HTTP client on the standard library; never follows redirects."""

    def __init__(self, port: int, *, timeout: float = 15.0) -> None:
        self.port = port
        self.timeout = timeout
        self.cookies: dict[str, str] = {}

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, data: Mapping[str, str]) -> Response:
        return self.request("POST", path, urllib.parse.urlencode(data).encode())

    def request(self, method: str, path: str, body: bytes | None = None) -> Response:
        headers = {"Accept-Language": "en"}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            for value in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(value).items():
                    self.cookies[name] = morsel.value
            return Response(response.status, dict(response.headers.items()), text)
        finally:
            connection.close()


def wait_for_http(port: int, child: Child, path: str = "/ask", timeout: float = 90.0) -> None:
    """Wait until the server answers `path` with 200."""

    def serving() -> bool:
        if child.process.poll() is not None:
            raise AssertionError(f"{child.name} exited:\n{child.output()}")
        try:
            return Browser(port, timeout=5).get(path).status == 200
        except OSError:
            return False

    wait_until(serving, timeout, f"{child.name} to serve {path}")


# A throw-away PostgreSQL cluster ---------------------------------------------------------------


def postgres_bin() -> Path | None:
    """The newest installed PostgreSQL server binaries, or None."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda path: int(Path(path).parts[-3]) if Path(path).parts[-3].isdigit() else 0,
    )
    return Path(found[-1]).parent if found else None


class Cluster:
    """A PostgreSQL cluster of our own in a temporary directory, on a free port.

    initdb refuses to run as root, so as root every server command runs as the `postgres`
    system user, in a directory that user owns.
    """

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.port = free_port()
        self.as_user: list[str] = []
        self.directory = Path(tempfile.mkdtemp(prefix="enquiry-pg-"))
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.directory, user.pw_uid, user.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.data = self.directory / "data"
        self.log = self.directory / "server.log"

    @property
    def url(self) -> str:
        return f"postgresql://postgres@{HOST}:{self.port}/postgres"

    def _run(self, *argv: str, timeout: float = 60.0) -> None:
        command = [*self.as_user, str(self.bindir / argv[0]), *argv[1:]]
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, cwd=self.directory
        )
        if result.returncode != 0:
            raise RuntimeError(f"{command} failed:\n{result.stdout}\n{result.stderr}")

    def create(self) -> None:
        self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--no-sync",
            "-E", "UTF8", "--locale=C.UTF-8",
        )  # fmt: skip
        # fsync=off only matters if the machine crashes; a restart keeps every commit.
        options = f"-p {self.port} -k {self.directory} -c listen_addresses={HOST} -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.log), "-w", "start")

    def restart(self) -> None:
        """Restart in fast mode: open connections are cut, the server comes back."""
        log = ("-l", str(self.log))  # without it the server would write to our pipe
        self._run("pg_ctl", "-D", str(self.data), *log, "-m", "fast", "-w", "restart")

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.directory, ignore_errors=True)

    def server_log(self) -> str:
        try:
            return self.log.read_text(encoding="utf-8", errors="replace")[-4000:]
        except OSError:
            return ""


def create_schema(database_url: str, instance: Path) -> None:
    """Create the tables and the default department on an empty database."""
    app = create_app(base_config(database_url, instance))
    with app.app_context():
        Base.metadata.create_all(db.engine)
    add_default_department(app)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
