"""Post a signed body to an endpoint: resolve the host, refuse private addresses, connect to
the address that was checked (never resolve twice: DNS rebinding), follow no redirects."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Callable, Mapping
from typing import Any

from enquiry.rules.webhooks import WebhookUrlError, check_url, forbidden_reason

Resolver = Callable[[str, int], list[str]]


class PostError(Exception):
    """The receiver could not be reached, or answered nothing usable."""

    def __init__(self, text: str, *, is_connection: bool = False) -> None:
        super().__init__(text)
        self.text = text
        self.is_connection = is_connection  # the host was unreachable: skip its other rows


def resolve(host: str, port: int) -> list[str]:
    """Return every address the host name resolves to (an address literal resolves to itself)."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise WebhookUrlError(f"the host {host} does not resolve: {error}") from error
    return list(dict.fromkeys(str(info[4][0]) for info in found))


def checked_addresses(
    url: str, *, allow_private_network: bool, resolver: Resolver = resolve
) -> list[str]:
    """Return the addresses to connect to, in the resolver's order, or raise WebhookUrlError.

    Every address the name resolves to must be public unless private networks are allowed:
    a name that also points inside the network is refused as a whole.
    """
    host, port = check_url(url)
    addresses = resolver(host, port)
    if not addresses:
        raise WebhookUrlError(f"the host {host} does not resolve")
    if not allow_private_network:
        for address in addresses:
            if why := forbidden_reason(address):
                raise WebhookUrlError(f"refused: {host} resolves to {why}")
    return addresses


class HttpPoster:
    """POST over HTTP(S) with short timeouts; one client (and its connections) per pass."""

    def __init__(
        self, timeout: float = 10.0, resolver: Resolver = resolve, ca_file: str | None = None
    ) -> None:
        self.resolver = resolver
        # Certificates are checked against the system's authorities, or only against ca_file.
        verify: ssl.SSLContext | bool = (
            ssl.create_default_context(cafile=ca_file) if ca_file else True
        )
        # Imported here: httpx (about 2 MB) serves only the worker's webhook pass.
        import httpx

        self.httpx = httpx
        # trust_env=False: a proxy from the environment would resolve the name itself.
        self.client = httpx.Client(
            timeout=httpx.Timeout(timeout), follow_redirects=False, trust_env=False, verify=verify
        )

    def post(
        self, url: str, body: bytes, headers: Mapping[str, str], *, allow_private_network: bool
    ) -> int:
        """Send the body; return the status code, or raise PostError / WebhookUrlError.

        Each checked address is tried in turn until one accepts the connection.
        """
        addresses = checked_addresses(
            url, allow_private_network=allow_private_network, resolver=self.resolver
        )
        httpx = self.httpx
        target = httpx.URL(url)
        extensions: dict[str, Any] = {}
        if target.scheme == "https":  # TLS names and verifies the host, not the address
            extensions["sni_hostname"] = target.host
        all_headers = {**headers, "Host": target.netloc.decode("ascii")}
        failures = []
        for address in addresses:
            pinned = target.copy_with(host=address)
            try:
                with self.client.stream(
                    "POST", pinned, content=body, headers=all_headers, extensions=extensions
                ) as response:
                    return response.status_code
            except (httpx.ConnectError, httpx.ConnectTimeout) as error:
                failures.append(f"{address}: {error}")
            except httpx.HTTPError as error:
                raise PostError(f"{type(error).__name__}: {error}") from error
        raise PostError(f"cannot connect: {'; '.join(failures)}", is_connection=True)

    def close(self) -> None:
        self.client.close()
