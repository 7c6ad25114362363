"""Which addresses an upload by URL may connect to (protection against SSRF).

Only globally routable unicast addresses are allowed by default: loopback, private,
shared (CGNAT), link-local (cloud metadata at 169.254.169.254), multicast, reserved,
documentation and unspecified ranges are refused, for IPv4 and IPv6. IPv6 forms that carry
an IPv4 address (IPv4-mapped ``::ffff:a.b.c.d``, NAT64 ``64:ff9b::/96``, 6to4 ``2002::/16``)
are judged by the IPv4 address inside. ``copy_uploads_private_networks`` lists ranges that
are allowed anyway (e.g. an intranet image server).

URL hosts may spell an IPv4 address the way ``inet_aton`` and browsers read it: decimal
(``2130706433``), octal (``0177.0.0.1``), hexadecimal (``0x7f.1``) and shortened forms
(``127.1``); :func:`parse_ip_host` reads them all, so they are checked like the dotted form.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from urllib.parse import unquote

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

__all__ = [
    "IPAddress",
    "Network",
    "connect_address",
    "parse_ip_host",
    "parse_ipv4",
    "parse_networks",
    "refusal",
]


def _v4(table: Iterable[tuple[str, str]]) -> tuple[tuple[ipaddress.IPv4Network, str], ...]:
    return tuple((ipaddress.IPv4Network(cidr), label) for cidr, label in table)


def _v6(table: Iterable[tuple[str, str]]) -> tuple[tuple[ipaddress.IPv6Network, str], ...]:
    return tuple((ipaddress.IPv6Network(cidr), label) for cidr, label in table)


# IANA IPv4 special-purpose ranges that are not globally reachable, plus multicast.
IPV4_REFUSED = _v4((
    ("0.0.0.0/8", "this network"), ("10.0.0.0/8", "private"),
    ("100.64.0.0/10", "shared address space (CGNAT)"), ("127.0.0.0/8", "loopback"),
    ("169.254.0.0/16", "link-local"), ("172.16.0.0/12", "private"),
    ("192.0.0.0/24", "IETF protocol assignments"), ("192.0.2.0/24", "documentation"),
    ("192.88.99.0/24", "6to4 relay anycast"), ("192.168.0.0/16", "private"),
    ("198.18.0.0/15", "benchmarking"), ("198.51.100.0/24", "documentation"),
    ("203.0.113.0/24", "documentation"), ("224.0.0.0/4", "multicast"),
    ("240.0.0.0/4", "reserved"),
))

# IPv6: only global unicast (2000::/3) may be used, minus these special ranges inside it.
IPV6_GLOBAL_UNICAST = ipaddress.IPv6Network("2000::/3")
IPV6_REFUSED_GLOBAL = _v6((
    ("2001::/23", "IETF protocol assignments (Teredo, ORCHID, ...)"),
    ("2001:db8::/32", "documentation"), ("3fff::/20", "documentation"),
))
# Names for the ranges outside 2000::/3, for the log.
IPV6_NAMES = _v6((
    ("::/128", "unspecified"), ("::1/128", "loopback"), ("64:ff9b:1::/48", "local NAT64"),
    ("100::/64", "discard-only"), ("fc00::/7", "unique local"), ("fe80::/10", "link-local"),
    ("fec0::/10", "site-local"), ("ff00::/8", "multicast"),
))
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
SIX_TO_FOUR = ipaddress.IPv6Network("2002::/16")


def parse_networks(ranges: Iterable[str]) -> tuple[Network, ...]:
    """CIDR ranges from the settings (host bits allowed: ``10.1.2.3/8`` means ``10.0.0.0/8``)."""
    return tuple(ipaddress.ip_network(text.strip(), strict=False) for text in ranges)


def _number(label: str) -> int | None:
    """One part of a numeric IPv4 host: ``0x`` hex, leading-zero octal or decimal."""
    if not label:
        return None
    if label[:2].lower() == "0x":
        digits, base, allowed = label[2:], 16, "0123456789abcdefABCDEF"
    elif len(label) > 1 and label[0] == "0":
        digits, base, allowed = label[1:], 8, "01234567"
    else:
        digits, base, allowed = label, 10, "0123456789"
    if not all(char in allowed for char in digits):
        return None
    return int(digits, base) if digits else 0


def parse_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address a host of only numeric parts stands for; None for a name.

    Raises ValueError for a numeric host that is no valid address (too many parts, a part
    too large): such a host must not reach a resolver, which might read it differently.
    """
    labels = host.split(".")
    if len(labels) > 1 and labels[-1] == "":
        labels.pop()    # one trailing dot, as in a fully qualified name
    numbers = [_number(label) for label in labels]
    if not numbers or any(number is None for number in numbers):
        return None
    values = [number for number in numbers if number is not None]
    if len(values) > 4:
        raise ValueError(f"not an IPv4 address: {host!r}")
    *head, last = values
    if any(part > 255 for part in head) or last >= 256 ** (5 - len(values)):
        raise ValueError(f"not an IPv4 address: {host!r}")
    value = last
    for index, part in enumerate(head):
        value += part << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def parse_ip_host(host: str) -> IPAddress | None:
    """The address a URL host names literally (any IPv4 spelling, IPv6 with or without
    brackets, percent-encoded or not); None when the host is a name to resolve.

    Raises ValueError for a host that looks like an address but is none.
    """
    text = unquote(host)
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    if ":" in text:
        return ipaddress.IPv6Address(text)
    return parse_ipv4(text)


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv4-mapped, NAT64 (well-known prefix) or 6to4 address carries."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address in SIX_TO_FOUR:
        return address.sixtofour
    return None


def _ipv4_refusal(address: ipaddress.IPv4Address) -> str | None:
    for network, label in IPV4_REFUSED:
        if address in network:
            return label
    return None


def _ipv6_refusal(address: ipaddress.IPv6Address) -> str | None:
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        reason = _ipv4_refusal(embedded)
        return None if reason is None else f"{reason} (IPv4 {embedded} inside {address})"
    if address not in IPV6_GLOBAL_UNICAST:
        for network, label in IPV6_NAMES:
            if address in network:
                return label
        return "not global unicast"
    for network, label in IPV6_REFUSED_GLOBAL:
        if address in network:
            return label
    return None


def _allowed(address: IPAddress, allowed: Sequence[Network]) -> bool:
    candidates: list[IPAddress] = [address]
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            candidates.append(embedded)
    return any(candidate.version == network.version and candidate in network
               for candidate in candidates for network in allowed)


def refusal(address: IPAddress, allowed: Sequence[Network] = ()) -> str | None:
    """Why a URL upload may not connect to ``address`` (the range's name), or None if it may.

    ``allowed``: ranges allowed even though they are not public.
    """
    if isinstance(address, ipaddress.IPv6Address) and address.scope_id:
        address = ipaddress.IPv6Address(str(address).split("%", 1)[0])
    if _allowed(address, allowed):
        return None
    if isinstance(address, ipaddress.IPv4Address):
        return _ipv4_refusal(address)
    return _ipv6_refusal(address)


def connect_address(address: IPAddress) -> IPAddress:
    """The address to open the connection to: an IPv4-mapped address as plain IPv4, an IPv6
    address without its zone (a URL cannot carry one to the connection)."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address.scope_id:
            return ipaddress.IPv6Address(str(address).split("%", 1)[0])
    return address
