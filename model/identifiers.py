"""Router ids and peer addresses of an explicit zone's speakers: read, checked, defaulted.

Each speaker has a BGP Identifier (``router_id``, RFC 4271 §4.2: a non-zero four-octet
value, written as a dotted quad) and one address its peers see it at (``address``, the
peer address of RFC 4271 §9.1.2.2 (g)). Both decide ties between otherwise equal paths
(:func:`bgpcascade.model.rules.preference_key`). A speaker that does not give one gets
:func:`~bgpcascade.model.topology.default_identifier` of its place in declaration order,
skipping values other speakers set, so defaults never collide and keep declaration order
(docs/zone-format.md, "Router ids and addresses").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from ipaddress import IPv4Address, ip_address

from .errors import InputError
from .topology import DEFAULT_ID_BASE, MAX_DEFAULT_IDS, IPAddress, default_identifier

#: Builds the one-line error of speaker ``i``'s ``field``: (i, field, problem, allowed).
ErrorAt = Callable[[int, str, str, str], InputError]

ROUTER_ID_ALLOWED = "a dotted quad other than 0.0.0.0, e.g. 10.0.0.1 (RFC 4271 §4.2)"
ADDRESS_ALLOWED = "an IPv4 or IPv6 unicast address literal, e.g. 10.0.0.1 or fd00::1"


def parse_router_id(text: str) -> IPv4Address | None:
    """``text`` as a BGP Identifier, or ``None`` if it is not one: a dotted quad IPv4
    address other than 0.0.0.0 (RFC 4271 §4.2; RFC 6286 §2.1: a non-zero value)."""
    try:
        rid = IPv4Address(text)
    except ValueError:
        return None
    return None if int(rid) == 0 else rid


def parse_address(text: str) -> IPAddress | None:
    """``text`` as a peer address, or ``None``: an IPv4 or IPv6 unicast literal (not the
    unspecified address, not multicast: no BGP session runs to those)."""
    try:
        addr = ip_address(text)
    except ValueError:
        return None
    return None if addr.is_unspecified or addr.is_multicast else addr


def router_ids(given: Sequence[str | None], error: ErrorAt) -> tuple[IPv4Address, ...]:
    """Every speaker's ``router_id``, in declaration order (:func:`_resolve`)."""
    out = _resolve(given, "router_id", error)
    return tuple(v for v in out if isinstance(v, IPv4Address))


def addresses(given: Sequence[str | None], error: ErrorAt) -> tuple[IPAddress, ...]:
    """Every speaker's ``address``, in declaration order (:func:`_resolve`)."""
    return tuple(_resolve(given, "address", error))


def _resolve(given: Sequence[str | None], field: str, error: ErrorAt) -> list[IPAddress]:
    """Every speaker's ``field`` (``router_id`` or ``address``), in declaration order:
    each given value parsed and unique, each missing one defaulted.

    The speaker at place ``n`` (1-based) without a value gets ``default_identifier(n)``,
    or the next value above the previous default that no speaker sets: defaults are
    unique and increase in declaration order."""
    parse = parse_router_id if field == "router_id" else parse_address
    allowed = ROUTER_ID_ALLOWED if field == "router_id" else ADDRESS_ALLOWED
    parsed: list[IPAddress | None] = []
    seen: dict[tuple[int, int], int] = {}
    for i, text in enumerate(given):
        if text is None:
            parsed.append(None)
            continue
        value = parse(text)
        if value is None:
            raise error(i, field, f"{text!r} is not allowed", allowed)
        key = (value.version, int(value))
        if key in seen:
            raise error(i, field, f"duplicate {field} {value} (also speakers[{seen[key]}])",
                        f"a {field} unique in the zone")
        seen[key] = i
        parsed.append(value)
    out: list[IPAddress] = []
    nxt = 1
    for n, value in enumerate(parsed, 1):
        if value is None:
            cand = max(n, nxt)
            while (4, DEFAULT_ID_BASE + cand) in seen:
                cand += 1
            if cand > MAX_DEFAULT_IDS:
                raise error(n - 1, field, "no default left", f"a {field} for this speaker")
            value, nxt = default_identifier(cand), cand + 1
        out.append(value)
    return out
