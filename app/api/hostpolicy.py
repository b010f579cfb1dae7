"""Which hosts the client may reach, judged as the OS resolver reads them and where it connects.

A URL's spelling is not the address: ``2130706433``, ``127.1`` and ``0x7f.0.0.1`` all reach
127.0.0.1 through ``inet_aton``/``getaddrinfo``, and a public-looking name may resolve to a
private address. So host literals are parsed the way the resolver parses them, and every
connection is checked once more on the address it actually goes to.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
import typing
from collections.abc import Awaitable, Callable, Iterable

import httpcore
import httpx

from app.api.errors import UnsafeUrlError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolve = Callable[[str, int], Awaitable[list[str]]]

_NUMERIC_HOST_RE = re.compile(r"[0-9a-fx.]+")
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


class PrivateAddressError(UnsafeUrlError):
    """A connection would have reached a private, loopback or link-local address."""

    default_message = "The address points into a private network."


def host_address(host: str) -> IPAddress | None:
    """The IP address ``host`` denotes as a literal, in any spelling the resolver accepts."""
    text = host.strip().strip("[]").rstrip(".").lower()
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        pass
    if not text or not _NUMERIC_HOST_RE.fullmatch(text):
        return None
    try:  # inet_aton reads 127.1, 2130706433, 0x7f.0.0.1 and 0177.0.0.1 as glibc does
        return ipaddress.IPv4Address(socket.inet_aton(text))
    except OSError:
        return None


def is_private_address(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is not None:
            address = embedded
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_unspecified
        or address.is_multicast
        or address.is_reserved
    )


def is_local_name(host: str) -> bool:
    name = host.strip().rstrip(".").lower()
    return name == "localhost" or name.endswith(".localhost")


def is_private_host(host: str) -> bool:
    """True for localhost names and private addresses in any literal spelling."""
    if is_local_name(host):
        return True
    address = host_address(host)
    return address is not None and is_private_address(address)


def split_host_port(entry: str) -> tuple[str, int | None]:
    entry = entry.strip().lower()
    if entry.startswith("["):
        host, _, rest = entry[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
        return host, int(port) if port.isdigit() else None
    if entry.count(":") == 1:
        host, _, port = entry.partition(":")
        return host, int(port) if port.isdigit() else None
    return entry, None


def listed(host: str, port: int | None, insecure_hosts: Iterable[str]) -> bool:
    """Whether ``host:port`` is one of the loopback hosts allowed in demo/test mode."""
    host = host.strip("[]").lower()
    for entry in insecure_hosts:
        entry_host, entry_port = split_host_port(entry)
        if entry_host == host and (entry_port is None or entry_port == port):
            return True
    return False


def url_listed(url: httpx.URL, insecure_hosts: Iterable[str]) -> bool:
    return listed(url.host or "", url.port or _DEFAULT_PORTS.get(url.scheme), insecure_hosts)


async def os_resolve(host: str, port: int) -> list[str]:
    """The addresses getaddrinfo gives for ``host`` (what a connection would use)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves each host itself and connects only to an address the policy allows.

    A private address is allowed only for a host listed in ``insecure_hosts`` (the
    emulator's loopback in demo/test mode), and then only if it really is loopback.
    """

    def __init__(
        self,
        insecure_hosts: Iterable[str],
        *,
        resolve: Resolve = os_resolve,
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self._insecure = frozenset(insecure_hosts)
        self._resolve = resolve
        self._inner = inner if inner is not None else httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            addresses = await self._resolve(host, port)
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        allowed = listed(host, port, self._insecure)
        chosen: list[str] = []
        for text in addresses:
            address = ipaddress.ip_address(text.split("%")[0])
            if is_private_address(address) and not (allowed and address.is_loopback):
                raise PrivateAddressError(
                    f"The address {host} leads into a private network ({address})."
                )
            chosen.append(text)
        failure: Exception = httpcore.ConnectError(f"{host} has no address")
        for text in chosen:
            try:
                return await self._inner.connect_tcp(
                    text, port, timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise PrivateAddressError("Unix sockets are not reachable addresses.")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def guarded_transport(
    insecure_hosts: Iterable[str],
    *,
    limits: httpx.Limits,
    resolve: Resolve = os_resolve,
) -> httpx.AsyncHTTPTransport:
    """httpx's own transport, connecting through a GuardedBackend."""
    transport = httpx.AsyncHTTPTransport(limits=limits)
    # httpx offers no public hook for the network backend: its pool is rebuilt with the same
    # settings plus the guard (httpcore.AsyncConnectionPool's documented network_backend).
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=httpx.create_ssl_context(),
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=GuardedBackend(insecure_hosts, resolve=resolve),
    )
    return transport
