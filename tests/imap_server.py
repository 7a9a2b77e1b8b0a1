"""A real, throw-away IMAP server for tests: Debian's dovecot with one user and a Maildir.

    with DovecotServer.running(tls=True) as imap:
        imap.append(raw_bytes)
        app = make_app(**imap.app_config())

Everything (configuration, passwords, mail, sockets, logs, a self-signed certificate) lives in
one directory made for the test and removed afterwards; it is world-readable (not under
pytest's private tmp_path) because dovecot's own processes run as other users. Missing dovecot
makes the test skip, or fail under CI=true (tests.conftest.require).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from imapclient import IMAPClient

from tests.conftest import require
from tests.smtp_server import free_ports

HOST = "127.0.0.1"
USER = "enquiry@enquiry.localhost"
PASSWORD = "imap-test-password"
DOVECOT_CANDIDATES = ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot")


def dovecot_binary() -> str | None:
    """Return the dovecot executable, if installed."""
    found = shutil.which("dovecot")
    if found:
        return found
    return next((path for path in DOVECOT_CANDIDATES if os.access(path, os.X_OK)), None)


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """Write a self-signed certificate for localhost and 127.0.0.1; return (cert, key)."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    command = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
    command += ["-subj", "/CN=localhost"]
    command += ["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"]
    command += ["-keyout", str(key), "-out", str(cert)]
    subprocess.run(command, check=True, capture_output=True)
    return cert, key


def _accounts() -> dict[str, Any]:
    """The users dovecot runs as: its own when we are root, else ourselves."""
    if os.geteuid() == 0:
        mail_user = pwd.getpwnam("nobody")
        return {
            "internal": "dovecot",
            "login": "dovenull",
            "uid": mail_user.pw_uid,
            "gid": mail_user.pw_gid,
        }
    me = pwd.getpwuid(os.geteuid())
    return {"internal": me.pw_name, "login": me.pw_name, "uid": me.pw_uid, "gid": me.pw_gid}


CONFIG = """\
protocols = imap
listen = {host}
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
default_internal_user = {internal}
default_login_user = {login}
first_valid_uid = 1
first_valid_gid = 1
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={mail}/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  chroot =
  inet_listener imap {{
    address = {host}
    port = {port}
  }}
  inet_listener imaps {{
    address = {host}
    port = {tls_port}
  }}
}}
service anvil {{
  chroot =
}}
{ssl}
"""


@dataclass
class DovecotServer:
    """A running dovecot: its ports, its certificate (with TLS) and a client helper."""

    root: Path
    mail_root: Path
    port: int
    tls_port: int
    cafile: Path | None
    process: subprocess.Popen[bytes] | None = None

    @classmethod
    @contextlib.contextmanager
    def running(cls, *, tls: bool = False) -> Iterator[DovecotServer]:
        """Start dovecot for one test and stop it afterwards."""
        binary = dovecot_binary()
        require(binary is not None, "dovecot is not installed (apt-get install dovecot-imapd)")
        assert binary is not None
        if tls:
            require(shutil.which("openssl") is not None, "openssl is needed for the TLS test")
        root = Path(tempfile.mkdtemp(prefix="enquiry-imap-"))
        try:
            root.chmod(0o755)
            server = cls._started(root, binary, tls=tls)
            try:
                yield server
            finally:
                server.stop()
        finally:
            shutil.rmtree(root, ignore_errors=True)

    @classmethod
    def _started(cls, root: Path, binary: str, *, tls: bool) -> DovecotServer:
        """Configure and start dovecot; on new ports again if another process took one."""
        for attempt in range(3):
            server = cls._configure(root, tls=tls)
            try:
                server.start(binary)
                return server
            except RuntimeError as error:
                server.stop()  # its stderr pipe closed too
                if attempt == 2 or "Address already in use" not in str(error):
                    raise
        raise AssertionError("unreachable")

    @classmethod
    def _configure(cls, root: Path, *, tls: bool) -> DovecotServer:
        mail_root = root / "mail"
        for directory in (root / "run", root / "state", mail_root):
            directory.mkdir(mode=0o755, exist_ok=True)
        accounts = _accounts()
        os.chown(mail_root, accounts["uid"], accounts["gid"])
        (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n", encoding="ascii")
        cafile = None
        ssl_config = "ssl = no"
        if tls:
            cafile, key = make_certificate(root)
            ssl_config = f"ssl = yes\nssl_cert = <{cafile}\nssl_key = <{key}\n"
        server = cls(root, mail_root, *free_ports(2), cafile)
        config = CONFIG.format(
            host=HOST,
            root=root,
            mail=mail_root,
            port=server.port,
            tls_port=server.tls_port if tls else 0,
            ssl=ssl_config,
            **accounts,
        )
        (root / "dovecot.conf").write_text(config, encoding="ascii")
        return server

    def start(self, binary: str) -> None:
        """Run dovecot in the foreground (a child we own) and wait until it answers."""
        self.process = subprocess.Popen(
            [binary, "-F", "-c", str(self.root / "dovecot.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dovecot exited: {self.log()}")
            with contextlib.suppress(OSError), socket.create_connection((HOST, self.port), 0.5):
                return
            time.sleep(0.05)
        raise RuntimeError(f"dovecot did not start: {self.log()}")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stderr is not None:
            self.process.stderr.close()
        self.process = None

    def log(self) -> str:
        path = self.root / "dovecot.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        if self.process is not None and self.process.poll() is not None and self.process.stderr:
            text += self.process.stderr.read().decode(errors="replace")
        return text[-3000:]

    def app_config(self, security: str = "none", **overrides: Any) -> dict[str, Any]:
        """Settings that point the app's `flask mail fetch` at this server."""
        port = self.tls_port if security == "tls" else self.port
        config = {
            "IMAP_HOST": HOST,
            "IMAP_PORT": port,
            "IMAP_USER": USER,
            "IMAP_PASSWORD": PASSWORD,
            "IMAP_SECURITY": security,
        }
        if self.cafile is not None:
            config["IMAP_CA_FILE"] = str(self.cafile)
        return config | overrides

    @contextlib.contextmanager
    def client(self) -> Iterator[IMAPClient]:
        """A plain connection as the test user, to put mail in and look at it."""
        with IMAPClient(HOST, port=self.port, ssl=False, timeout=10) as imap:
            imap.login(USER, PASSWORD)
            yield imap

    def append(self, *messages: bytes, mailbox: str = "INBOX") -> None:
        """Deliver messages into a mailbox."""
        with self.client() as imap:
            for raw in messages:
                imap.append(mailbox, raw)

    def inbox_state(self) -> dict[int, tuple[bytes, ...]]:
        """Return the UIDs in the inbox and their flags."""
        with self.client() as imap:
            imap.select_folder("INBOX")
            uids = imap.search("ALL")
            if not uids:
                return {}
            return {uid: data[b"FLAGS"] for uid, data in imap.fetch(uids, ["FLAGS"]).items()}

    def ssl_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=str(self.cafile) if self.cafile else None)
        return context
