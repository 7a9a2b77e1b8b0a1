"""Hand built messages to the SMTP server configured for Flask-Mail, and read what it answers."""

from __future__ import annotations

import logging
import smtplib
import ssl
from typing import Any, Protocol

import flask_mail
from flask import Flask

logger = logging.getLogger(__name__)

NOT_TRANSMITTED = "not transmitted: MAIL_SUPPRESS_SEND is on"


class SendError(Exception):
    """The server did not take a message.

    `is_temporary`: worth trying again later (4xx, no connection, timeout).
    `is_connection`: not about this message; the next ones in the pass would fail the same way.
    """

    def __init__(self, text: str, *, is_temporary: bool, is_connection: bool = False) -> None:
        super().__init__(text)
        self.text = text
        self.is_temporary = is_temporary
        self.is_connection = is_connection

    @classmethod
    def from_reply(cls, stage: str, code: int, answer: bytes | str) -> SendError:
        """Classify an SMTP reply: 4xx temporary, 5xx permanent."""
        text = answer.decode("utf-8", "replace") if isinstance(answer, bytes) else answer
        return cls(f"{stage}: {code} {text}".strip(), is_temporary=code < 500)


class Sender(Protocol):
    """What the delivery loop needs from a transport."""

    def send(self, message: flask_mail.Message, envelope_from: str) -> str:
        """Send one message; return the server's answer or raise SendError."""
        ...

    def close(self) -> None:
        """Close any open connection."""
        ...


class SmtpSender:
    """Send over SMTP with Flask-Mail's settings (server, port, TLS/SSL, login).

    Unlike Flask-Mail's own connection it verifies the server's TLS certificate, uses a
    timeout, keeps the server's final answer ("250 2.0.0 Ok: queued as ...") and reports
    failures by stage, so a 4xx can be told from a 5xx.
    """

    def __init__(self, state: Any, *, timeout: float, ca_file: str | None = None) -> None:
        self._state = state  # flask_mail's _Mail: server, port, use_tls, use_ssl, username ...
        self._timeout = timeout
        self._ca_file = ca_file  # trust only this CA bundle (a private CA), not the system's
        self._host: smtplib.SMTP | None = None

    @classmethod
    def for_app(cls, app: Flask) -> SmtpSender:
        """Return a sender using the app's MAIL_* configuration."""
        timeout = float(app.config.get("MAIL_TIMEOUT_SECONDS", 30))
        ca_file = app.config.get("MAIL_CA_FILE") or None
        return cls(app.extensions["mail"], timeout=timeout, ca_file=ca_file)

    def send(self, message: flask_mail.Message, envelope_from: str) -> str:
        """Send one message; return the server's answer."""
        recipients = [str(address) for address in message.recipients]
        data = message.as_bytes()
        if self._state.suppress:
            logger.warning("MAIL_SUPPRESS_SEND is on: %s not transmitted", message.msgId)
            return NOT_TRANSMITTED
        for address in (envelope_from, *recipients):
            if not address.isascii():
                raise SendError(f"address needs SMTPUTF8: {address!r}", is_temporary=False)
        host = self._host or self._connect()
        try:
            return _transmit(host, envelope_from, recipients, data)
        except (smtplib.SMTPServerDisconnected, OSError) as error:
            self._host = None
            raise SendError(
                f"connection lost: {error}", is_temporary=True, is_connection=True
            ) from error
        except SendError as error:
            if error.is_connection:
                self.close()
            raise

    def close(self) -> None:
        """Say goodbye to the server, if connected."""
        host, self._host = self._host, None
        if host is None:
            return
        try:
            host.quit()
        except (smtplib.SMTPException, OSError):
            host.close()

    def _connect(self) -> smtplib.SMTP:
        state = self._state
        host: smtplib.SMTP | None = None
        try:
            context = (
                ssl.create_default_context(cafile=self._ca_file)
                if state.use_ssl or state.use_tls
                else None
            )
            if state.use_ssl:
                host = smtplib.SMTP_SSL(
                    state.server, state.port, timeout=self._timeout, context=context
                )
            else:
                host = smtplib.SMTP(state.server, state.port, timeout=self._timeout)
            if state.use_tls:
                host.starttls(context=context)
            if state.username and state.password:
                host.login(state.username, state.password)
            host.ehlo_or_helo_if_needed()
        except (smtplib.SMTPException, OSError) as error:
            if host is not None:  # refused TLS or login: do not leave the socket open
                host.close()
            where = f"{state.server}:{state.port}"
            raise SendError(
                f"cannot connect to {where}: {error}", is_temporary=True, is_connection=True
            ) from error
        self._host = host
        return host


def _transmit(host: smtplib.SMTP, envelope_from: str, recipients: list[str], data: bytes) -> str:
    code, answer = host.mail(envelope_from)
    if code != 250:
        _reset(host)
        # Our own sender refused: no message can go until an operator looks; keep retrying.
        error = SendError.from_reply("MAIL FROM", code, answer)
        raise SendError(error.text, is_temporary=True, is_connection=True)
    for recipient in recipients:
        code, answer = host.rcpt(recipient)
        if code not in (250, 251):
            _reset(host)
            raise SendError.from_reply("RCPT TO", code, answer)
    try:
        code, answer = host.data(data)  # raises only when DATA itself is refused (not 354)
    except smtplib.SMTPResponseException as error:
        _reset(host)
        raise SendError.from_reply("DATA", error.smtp_code, error.smtp_error) from error
    if code != 250:  # the final answer after the message; smtplib.data() returns it as is
        raise SendError.from_reply("DATA", code, answer)
    return f"{code} {answer.decode('utf-8', 'replace')}"


def _reset(host: smtplib.SMTP) -> None:
    try:
        host.rset()
    except (smtplib.SMTPException, OSError):
        logger.debug("RSET failed", exc_info=True)
