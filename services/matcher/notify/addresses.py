"""Where webhooks may be sent: public addresses over https, checked at registration and on every connection.

An organiser types a webhook URL, and the matcher POSTs to it from inside the deployment. Unchecked, whoever
holds an organiser token could make the matcher POST to the cloud's metadata service (``169.254.169.254``),
the database host or anything else on the private network (server-side request forgery). So:

- At registration the host is resolved and every address it names must be public (IP literals too): not
  loopback, link-local, private, unique-local, shared (CGNAT), multicast, unspecified or reserved, IPv4 or
  IPv6 (IPv4 inside IPv6, ``::ffff:10.0.0.1``, is judged as the IPv4 address). A name that does not resolve
  at all is accepted: it leads nowhere yet, and the check below runs whenever it does.
- At delivery the same check runs on the address actually connected to: the deliverer's HTTP session
  creates its sockets through :func:`guarded_socket_factory`, which sees each resolved address just before
  the connection is made. A name that pointed at a public address when it was registered and at a private
  one later (DNS rebinding) is refused there.
- ``https`` only; ``MATCHER_WEBHOOK_ALLOW_HTTP`` allows plain ``http`` too, and
  ``MATCHER_WEBHOOK_ALLOW_PRIVATE`` allows non-public addresses (a receiver on the operator's own network,
  and the tests' receivers on loopback).
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import socket
from collections.abc import Callable
from urllib.parse import urlsplit

import aiohttp

from ..settings import MatcherSettings

RESOLVE_TIMEOUT_SECONDS = 5.0
ALLOW_PRIVATE_SETTING = "MATCHER_WEBHOOK_ALLOW_PRIVATE"
ALLOW_HTTP_SETTING = "MATCHER_WEBHOOK_ALLOW_HTTP"

_KINDS = (
    ("loopback", "is_loopback"),
    ("link-local", "is_link_local"),
    ("multicast", "is_multicast"),
    ("unspecified", "is_unspecified"),
    ("reserved", "is_reserved"),
    ("private", "is_private"),
)


def refusal(address: str) -> str | None:
    """Why webhooks may not connect to ``address`` (an IP address as text), or None when it is public.

    Examples
    --------
    >>> refusal("169.254.169.254")
    'link-local address'
    >>> refusal("10.1.2.3"), refusal("::1"), refusal("fd00::5"), refusal("100.64.0.1")
    ('private address', 'loopback address', 'private address', 'non-public address')
    >>> refusal("::ffff:127.0.0.1")  # IPv4 inside IPv6 is the IPv4 address
    'loopback address'
    >>> refusal("93.184.215.14") is None, refusal("2a00:1450:400f:80d::200e") is None
    (True, True)
    """
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone (fe80::1%eth0) names no other host
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is not None:
            return refusal(str(embedded))
    for kind, attribute in _KINDS:
        if getattr(ip, attribute):
            return f"{kind} address"
    if not ip.is_global:
        return "non-public address"
    return None


class WebhookUrlRefused(ValueError):
    """A webhook URL the settings do not allow; ``code`` is stable, the message says why in words."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class AddressRefused(OSError):
    """Raised instead of connecting to a non-public address (aiohttp reports it as a connection error)."""

    def __init__(self, address: str, reason: str) -> None:
        super().__init__(
            errno.EACCES, f"webhooks may not connect to {address} ({reason}; {ALLOW_PRIVATE_SETTING} allows it)"
        )
        self.address = address


def _refused_address(address: str, reason: str) -> WebhookUrlRefused:
    return WebhookUrlRefused(
        "webhook_address_not_public",
        f"The webhook's host is {address}, a {reason}: webhooks go to public addresses only "
        f"({ALLOW_PRIVATE_SETTING} allows others).",
    )


async def _addresses(host: str, port: int) -> list[str]:
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(RESOLVE_TIMEOUT_SECONDS):
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, TimeoutError, UnicodeError):
        return []  # does not resolve (now): nothing to connect to; the connection check guards later
    return [str(info[4][0]) for info in infos]


async def check_webhook_url(url: str, settings: MatcherSettings) -> None:
    """Raise :class:`WebhookUrlRefused` unless ``url`` may receive webhooks under ``settings``.

    Checks the scheme (``https``, or also ``http`` with ``MATCHER_WEBHOOK_ALLOW_HTTP``) and, unless
    ``MATCHER_WEBHOOK_ALLOW_PRIVATE``, every address the host is or resolves to.
    """
    parts = urlsplit(url)
    if parts.scheme != "https" and not (parts.scheme == "http" and settings.webhook_allow_http):
        raise WebhookUrlRefused(
            "webhook_https_required",
            f"Webhooks are sent over https only ({ALLOW_HTTP_SETTING} allows http too).",
        )
    if settings.webhook_allow_private or not parts.hostname:
        return
    host = parts.hostname
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    candidates = [str(literal)] if literal is not None else await _addresses(host, parts.port or 443)
    for address in candidates:
        reason = refusal(address)
        if reason is not None:
            raise _refused_address(address, reason)


def guarded_socket_factory(allow_private: bool) -> Callable[[tuple], socket.socket]:
    """A socket factory for :class:`aiohttp.TCPConnector` that refuses non-public addresses.

    aiohttp calls it with each address it is about to connect to, after resolving the host, so what is
    checked is where the request would really go.

    Examples
    --------
    >>> factory = guarded_socket_factory(allow_private=False)
    >>> try:
    ...     factory((socket.AF_INET, socket.SOCK_STREAM, 6, "", ("169.254.169.254", 80)))
    ... except AddressRefused as error:
    ...     print(error.strerror)
    webhooks may not connect to 169.254.169.254 (link-local address; MATCHER_WEBHOOK_ALLOW_PRIVATE allows it)
    """

    def factory(addr_info: tuple) -> socket.socket:
        family, type_, proto, _, sockaddr = addr_info
        if not allow_private:
            reason = refusal(str(sockaddr[0]))
            if reason is not None:
                raise AddressRefused(str(sockaddr[0]), reason)
        return socket.socket(family=family, type=type_, proto=proto)

    return factory


def webhook_session(settings: MatcherSettings, *, timeout: float) -> aiohttp.ClientSession:
    """The deliverer's HTTP session: connections checked by :func:`guarded_socket_factory`, no cookies kept."""
    connector = aiohttp.TCPConnector(socket_factory=guarded_socket_factory(settings.webhook_allow_private))
    return aiohttp.ClientSession(
        connector=connector, timeout=aiohttp.ClientTimeout(total=timeout), cookie_jar=aiohttp.DummyCookieJar()
    )
