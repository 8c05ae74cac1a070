"""Whose address is it? The client's address behind trusted reverse proxies (``X-Forwarded-For``).

Both the registry (rate limits behind the web front end) and the web front end (behind an Ingress or
load balancer) believe ``X-Forwarded-For`` only from peers they were told to trust: anyone else could
write any address there and so escape a per-address limit.

A peer's address alone cannot always tell the web front end from other clients: on one machine any
local process can bind any loopback address (Linux lets everyone use all of 127/8), and Kubernetes
pods get new addresses at every restart, so only a whole pod range could be listed. The web front end
therefore also proves itself with its service token in :data:`PROXY_TOKEN_HEADER`, and the registry
believes its ``X-Forwarded-For`` on that proof wherever it comes from (see
``services.registry.ratelimit.client_address``). Address lists remain for other proxies.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# The header in which the web front end sends its service-role token along with X-Forwarded-For.
# A header of its own (not Authorization): the request itself stays anonymous or the visitor's.
PROXY_TOKEN_HEADER = "X-Proxy-Token"  # noqa: S105 - a header name, not a secret
# Every address: for a peer that proved itself otherwise than by its address.
ANY_ADDRESS = ("0.0.0.0/0", "::/0")


def _normalised(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(address.strip())
    except ValueError:
        return None


def parse_trusted(value: Any) -> Any:
    """A settings validator: ``"10.0.0.5, 10.42.0.0/16"`` → a tuple of normalised networks as text.

    Examples
    --------
    >>> parse_trusted("127.0.0.1, 10.42.0.0/16, ::1")
    ('127.0.0.1/32', '10.42.0.0/16', '::1/128')
    """
    if isinstance(value, str):
        value = [part for part in (piece.strip() for piece in value.split(",")) if part]
    if isinstance(value, list | tuple | set | frozenset):
        return tuple(str(ipaddress.ip_network(str(part).strip(), strict=False)) for part in value)
    return value


def forwarded_client(remote: str | None, forwarded_for: str | None, trusted: Iterable[str]) -> str | None:
    """The client's address: the peer's own, or the last ``X-Forwarded-For`` entry when the peer is trusted.

    The last entry is the one the trusted proxy appended itself; earlier ones came from the client and
    may be anything. ``trusted`` holds addresses or networks (``10.42.0.0/16`` for a pod range).

    Examples
    --------
    >>> forwarded_client("10.0.0.5", "1.2.3.4, 192.0.2.7", ["10.0.0.5"])
    '192.0.2.7'
    >>> forwarded_client("10.42.3.9", "192.0.2.7", ["10.42.0.0/16"])
    '192.0.2.7'
    >>> forwarded_client("10.0.0.9", "192.0.2.7", ["10.0.0.5"])  # not a trusted peer: its header is ignored
    '10.0.0.9'
    >>> forwarded_client("10.0.0.5", None, ["10.0.0.5"])
    '10.0.0.5'
    >>> forwarded_client("10.0.0.5", "not-an-address", ["10.0.0.5"])
    '10.0.0.5'
    """
    peer = _normalised(remote) if remote else None
    if peer is None or not forwarded_for:
        return remote
    networks = [ipaddress.ip_network(entry, strict=False) for entry in trusted]
    if not any(peer.version == network.version and peer in network for network in networks):
        return remote
    last = _normalised(forwarded_for.rsplit(",", 1)[-1])
    return str(last) if last is not None else remote
