"""The buyer's address behind the load balancer and the frontend's nginx.

Each proxy appends the address it received the request from to X-Forwarded-For, so reading the
header from the right and skipping our own proxies (settings.TRUSTED_PROXIES) gives the first
address we did not put there ourselves. Taking the left-most value instead would let any client
choose the address recorded in payments_transaction.

The storefront's nginx reaches gunicorn over a Unix socket (compose.yml), where a connection has
no peer address: gunicorn gives REMOTE_ADDR "" (never over TCP). Only a process that can open the
socket's file connects there, and the only container besides the backend that mounts its volume
is the storefront's nginx, so such a peer is one of our proxies, like a trusted network.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

UNIX_SOCKET_PEER = ""  # REMOTE_ADDR of a connection on gunicorn's Unix socket


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def _is_trusted(address: str, networks) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_ip(request: HttpRequest) -> str:
    """The client's IP address as text (at most 45 characters), or "" when unknown."""
    networks = _networks(tuple(settings.TRUSTED_PROXIES))
    remote = request.META.get("REMOTE_ADDR", "") or ""
    if remote != UNIX_SOCKET_PEER and not _is_trusted(remote, networks):
        return remote[:45]
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return remote[:45]  # a malformed hop: trust nothing to its left
        if not _is_trusted(hop, networks):
            return hop
    # Every hop is one of ours (a request from inside the VPC): the left-most is the origin.
    return (hops[0] if hops else remote)[:45]
