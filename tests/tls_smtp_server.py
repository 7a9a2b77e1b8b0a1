"""A real SMTP server over TLS with login, for tests: STARTTLS or implicit TLS (SMTPS).

Certificates are made with `openssl req` (the `cryptography` package is not a dependency):
a private CA, and server certificates it signs for a given name. The server records, for
every message it accepts, the TLS version of the session and the user who logged in.

    ca = CertificateAuthority.create(tmp_path)
    with TlsSmtpServer.running(ca.issue("127.0.0.1"), mode="starttls") as smtp:
        app = make_app(**smtp.app_config(ca))
"""

from __future__ import annotations

import gc
import shutil
import ssl
import subprocess
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.smtp_server import SmtpServer, _Handler

Mode = Literal["starttls", "smtps"]
USERNAME = "office@enquiry.test"
PASSWORD = "smtp pass: correct-horse 1"
NEW_KEY = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1")  # quicker than RSA


def openssl_available() -> bool:
    return shutil.which("openssl") is not None


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)


@dataclass(frozen=True)
class Certificate:
    """A PEM certificate and its key."""

    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context


@dataclass(frozen=True)
class CertificateAuthority:
    """A private CA in a directory; `issue` signs server certificates."""

    directory: Path
    root: Certificate

    @classmethod
    def create(cls, directory: Path, name: str = "Enquiry Test CA") -> CertificateAuthority:
        directory.mkdir(parents=True, exist_ok=True)
        root = Certificate(directory / "ca.pem", directory / "ca.key")
        _openssl(
            "req", "-x509", *NEW_KEY, "-nodes", "-days", "2",
            "-keyout", str(root.key), "-out", str(root.cert), "-subj", f"/CN={name}",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        )  # fmt: skip
        return cls(directory, root)

    def issue(self, name: str) -> Certificate:
        """A server certificate for name (an IP address or a DNS name), signed by this CA."""
        stem = self.directory / name.replace(".", "_")
        request, cert = stem.with_suffix(".csr"), stem.with_suffix(".pem")
        key = stem.with_suffix(".key")
        kind = "IP" if name.replace(".", "").isdigit() else "DNS"
        extensions = stem.with_suffix(".ext")
        extensions.write_text(
            f"subjectAltName={kind}:{name}\nextendedKeyUsage=serverAuth\n"
            "basicConstraints=CA:FALSE\n"
        )
        _openssl(
            "req", "-new", *NEW_KEY, "-nodes", "-keyout", str(key),
            "-out", str(request), "-subj", f"/CN={name}",
        )  # fmt: skip
        _openssl(
            "x509", "-req", "-in", str(request), "-CA", str(self.root.cert),
            "-CAkey", str(self.root.key), "-CAcreateserial", "-days", "2",
            "-out", str(cert), "-extfile", str(extensions),
        )  # fmt: skip
        return Certificate(cert, key)


@dataclass(frozen=True)
class SessionSeen:
    """What the server knew of the session a message came in."""

    tls_version: str | None
    login: str | None


class _TlsHandler(_Handler):
    server: TlsSmtpServer

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if not session.authenticated:
            return "530 5.7.0 Authentication required"
        ssl_object = server.transport.get_extra_info("ssl_object")
        login = session.auth_data.login.decode() if session.authenticated else None
        self.server.sessions.append(SessionSeen(ssl_object and ssl_object.version(), login))
        return await super().handle_DATA(server, session, envelope)


class TlsSmtpServer(SmtpServer):
    """aiosmtpd that insists on TLS (STARTTLS or implicit) and on a login."""

    def __init__(self, certificate: Certificate, mode: Mode, mechanisms: tuple[str, ...]) -> None:
        super().__init__()
        self.certificate = certificate
        self.mode = mode
        self.excluded = {"LOGIN", "PLAIN"} - set(mechanisms)  # what the server does not offer
        self.logins: list[tuple[str, str]] = []  # (mechanism, user) of each successful AUTH
        self.users = {USERNAME: PASSWORD}
        self.sessions: list[SessionSeen] = []
        self.failed_logins: list[str] = []

    @classmethod
    @contextmanager
    def running(  # type: ignore[override]
        cls, certificate: Certificate, mode: Mode, mechanisms: tuple[str, ...] = ("PLAIN", "LOGIN")
    ) -> Iterator[TlsSmtpServer]:
        server = cls(certificate, mode, mechanisms)
        server.start()
        try:
            yield server
        finally:
            server.stop()

    def app_config(self, ca: CertificateAuthority | None = None) -> dict[str, Any]:
        """Settings for an app that sends here with login, trusting ca (if given)."""
        return super().app_config() | {
            "MAIL_USE_TLS": self.mode == "starttls",
            "MAIL_USE_SSL": self.mode == "smtps",
            "MAIL_USERNAME": USERNAME,
            "MAIL_PASSWORD": PASSWORD,
            "MAIL_CA_FILE": str(ca.root.cert) if ca else None,
        }

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        login, password = data.login.decode(), data.password.decode()
        if self.users.get(login) == password:
            self.logins.append((mechanism, login))
            return AuthResult(success=True, auth_data=data)
        self.failed_logins.append(login)
        return AuthResult(success=False, handled=False)

    def start(self) -> None:
        assert self._controller is None, "already running"
        context = self.certificate.server_context()
        options: dict[str, Any] = {
            "authenticator": self.authenticate,
            # aiosmtpd knows of TLS only from STARTTLS: under SMTPS (every session is TLS)
            # the handler refuses DATA without a login instead.
            "auth_required": self.mode == "starttls",
            "auth_require_tls": self.mode == "starttls",
            "auth_exclude_mechanism": self.excluded,
        }
        if self.mode == "starttls":
            options |= {"tls_context": context, "require_starttls": True}
        controller = Controller(
            _TlsHandler(self),
            hostname=self.host,
            port=self.port,
            ssl_context=context if self.mode == "smtps" else None,
            **options,
        )
        controller.start()
        self._controller = controller

    def stop(self) -> None:
        super().stop()
        # aiosmtpd leaves the streams of a session whose TLS handshake failed unclosed: collect
        # them now, quietly, rather than in whichever later test the garbage collector runs.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "unclosed <StreamWriter", ResourceWarning)
            gc.collect()
