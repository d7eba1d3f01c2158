"""The zone: speakers, sessions, profiles, timers, and the symmetry that keeps big zones cheap.

A :class:`Zone` is a set of :class:`SpeakerGroup` objects and :class:`SessionGroup` edges
between them. A group holds ``count`` interchangeable speakers (same profile, timers,
routes and neighbours): the clients of one compact shard are one group however many they
are, and the zone file loader merges explicit speakers that have the same shape. Route
reflectors are always groups of one. An edge between two groups means that every member of
one peers with every member of the other (a complete bipartite set of sessions): that is
what "interchangeable" guarantees, and it lets the analysis work per group instead of per
speaker (docs/model.md, "Symmetry").
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from ipaddress import IPv4Address, IPv6Address
from typing import Literal

from .errors import InputError
from .profiles import Profile

Role = Literal["rr", "client", "peer"]
SessionKind = Literal["rr-client", "ibgp"]
#: An address a speaker's peers see it at (the "peer address" of RFC 4271 §9.1.2.2 (g)).
IPAddress = IPv4Address | IPv6Address

#: The default BGP Identifier and address of the n-th speaker (1-based, declaration
#: order) is this plus n: 10.0.0.1, 10.0.0.2, ... (docs/zone-format.md, "Router ids and
#: addresses"). Assumed: a documented scheme that keeps declaration order, not a fact of
#: any implementation.
DEFAULT_ID_BASE = int(IPv4Address("10.0.0.0"))
#: The most speakers the default scheme numbers (up to 255.255.255.254).
MAX_DEFAULT_IDS = int(IPv4Address("255.255.255.254")) - DEFAULT_ID_BASE


def default_identifier(n: int) -> IPv4Address:
    """The default router id and address of the zone's ``n``-th speaker (1-based, in
    declaration order): ``10.0.0.0 + n``. Defaults compare in declaration order, so a
    zone without ``router_id``/``address`` decides its ties as before they existed."""
    if not 1 <= n <= MAX_DEFAULT_IDS:
        raise ValueError(f"no default identifier for speaker {n}")
    return IPv4Address(DEFAULT_ID_BASE + n)

#: Allowed characters of speaker and shard names: no whitespace, and none of the
#: separators the CLI uses in trigger syntax (``A~B@T``, ``SPEAKER:WORK@T``).
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
NAME_ALLOWED = "letters, digits, '_', '.', '-'; starting with a letter or digit"


@dataclass(frozen=True)
class Timers:
    """Session timers of RFC 4271 §10, in seconds (exact rationals).

    ``hold`` is what the speaker proposes in its OPEN; the session uses the smaller of
    the two ends' values (§4.2). ``keepalive`` is sent every ``keepalive`` seconds
    (hold/3 when not set, §10), at most a third of the session's hold
    (:func:`bgpcascade.model.rules.session_keepalive`). ``connect_retry`` is
    ConnectRetryTime (§10: 120 s).
    """

    hold: Fraction = Fraction(90)
    keepalive: Fraction = Fraction(30)
    connect_retry: Fraction = Fraction(120)

    def as_dict(self) -> dict[str, float | int]:
        """JSON-friendly values (ints where exact)."""
        return {
            "hold": seconds_json(self.hold),
            "keepalive": seconds_json(self.keepalive),
            "connect_retry": seconds_json(self.connect_retry),
        }


def seconds_json(value: Fraction) -> float | int:
    """A time for JSON output: an int when whole, else a float."""
    return int(value) if value.denominator == 1 else float(value)


@dataclass(frozen=True)
class NameRange:
    """Generated member names ``<prefix>1`` .. ``<prefix><count>`` (never materialised)."""

    prefix: str
    count: int

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[str]:
        return (f"{self.prefix}{i}" for i in range(1, self.count + 1))

    def __getitem__(self, index: int) -> str:
        if not 0 <= index < self.count:
            raise IndexError(index)
        return f"{self.prefix}{index + 1}"

    def index_of(self, name: str) -> int | None:
        """0-based index of ``name`` in the range, or ``None``."""
        if not name.startswith(self.prefix):
            return None
        tail = name[len(self.prefix) :]
        if not tail.isdigit() or tail.startswith("0"):
            return None
        i = int(tail)
        return i - 1 if 1 <= i <= self.count else None

    def describe(self) -> str:
        """``a-c1..a-c800`` style text."""
        return self[0] if self.count == 1 else f"{self[0]}..{self[self.count - 1]}"


@dataclass(frozen=True)
class SpeakerGroup:
    """``count`` interchangeable BGP speakers.

    Attributes
    ----------
    key:
        Unique group key: the speaker's name for a group of one, ``<shard>-c`` for a
        compact shard's clients, ``<first>..<last>`` for merged explicit speakers.
    names:
        Member names, in order.
    role:
        ``rr`` (reflects routes to clients, RFC 4456), ``client`` (non-RR speaker with at
        least one RR), ``peer`` (plain iBGP speaker, no RR).
    profile:
        Name of the speaker's implementation profile (a key of ``Zone.profiles``).
    timers:
        The timers this speaker proposes.
    routes:
        Routes each member originates (a route class: docs/model.md).
    cluster_id:
        RFC 4456 CLUSTER_ID of an RR; ``None`` means the RR's own BGP identifier (so a
        unique id per RR).
    shard, tier:
        Display and naming: the shard a speaker belongs to, and its RR tier (0 = top).
    capacity:
        Per-speaker override of the profile's capacity, if any.
    client_to_client:
        RR reflects client routes to other clients (``no bgp client-to-client
        reflection`` turns it off, RFC 4456 §5).
    dynamic_neighbors:
        The RR accepts its clients through ``bgp listen range`` (FRR's limit applies).
    line:
        Line of the zone file that declared it (for messages).
    first_index:
        1-based place of member 0 among all the zone's speakers, in declaration order:
        member ``i``'s default router id and address are
        :func:`default_identifier` ``(first_index + i)`` (compact groups' members are
        consecutive).
    router_ids, addresses:
        Per member, its BGP Identifier (RFC 4271 §4.2) and the address its peers see it
        at (the peer address of §9.1.2.2 (g)), defaults resolved; ``None`` (the compact
        form) means every member has its default.
    """

    key: str
    names: tuple[str, ...] | NameRange
    role: Role
    profile: str
    timers: Timers
    routes: int = 0
    cluster_id: str | None = None
    shard: str | None = None
    tier: int = 0
    capacity: float | None = None
    client_to_client: bool = True
    dynamic_neighbors: bool = False
    line: int | None = None
    first_index: int = 1
    router_ids: tuple[IPv4Address, ...] | None = None
    addresses: tuple[IPAddress, ...] | None = None

    @property
    def count(self) -> int:
        """Number of member speakers."""
        return len(self.names)

    @property
    def is_rr(self) -> bool:
        """The group reflects routes (RFC 4456 route reflector)."""
        return self.role == "rr"

    def router_id(self, member: int = 0) -> IPv4Address:
        """Member ``member``'s BGP Identifier (router id, RFC 4271 §4.2): as the zone file
        gives it, else :func:`default_identifier`."""
        if self.router_ids is not None:
            return self.router_ids[member]
        return default_identifier(self.first_index + member)

    def address(self, member: int = 0) -> IPAddress:
        """The address member ``member``'s peers see it at (RFC 4271 §9.1.2.2 (g)): as
        the zone file gives it, else :func:`default_identifier`."""
        if self.addresses is not None:
            return self.addresses[member]
        return default_identifier(self.first_index + member)

    def effective_cluster_id(self, member: int = 0) -> str:
        """CLUSTER_ID used in CLUSTER_LIST checks: configured, else the member's router id
        (RFC 4456 §7: an RR without a configured CLUSTER_ID uses its BGP Identifier),
        written as a dotted quad."""
        return self.cluster_id if self.cluster_id is not None else str(self.router_id(member))

    def describe_names(self) -> str:
        """Member names for display (a range for big groups)."""
        if isinstance(self.names, NameRange):
            return self.names.describe()
        if self.count == 1:
            return self.names[0]
        return f"{self.names[0]}..{self.names[-1]}"


@dataclass(frozen=True)
class SessionGroup:
    """Sessions between every member of group ``a`` and every member of group ``b``.

    For ``kind == "rr-client"``, ``a`` is the route reflector and ``b`` its client
    (RFC 4456 §2); for ``ibgp``, both ends are ordinary (non-client) iBGP peers.
    """

    a: str
    b: str
    kind: SessionKind


@dataclass(frozen=True)
class Zone:
    """A whole deployment: the groups of speakers, the sessions, profiles and timers.

    Use :func:`bgpcascade.model.zonefile.load_zone` to build one from a zone file.
    """

    name: str
    form: Literal["compact", "explicit"]
    timers: Timers
    profiles: Mapping[str, Profile]
    groups: tuple[SpeakerGroup, ...]
    sessions: tuple[SessionGroup, ...]
    source: str = "<string>"

    # -- lookups ---------------------------------------------------------------------
    @cached_property
    def group_index(self) -> Mapping[str, int]:
        """Position of each group key (declaration order is the tie-break order)."""
        return {g.key: i for i, g in enumerate(self.groups)}

    def group(self, key: str) -> SpeakerGroup:
        """The group with key ``key``."""
        return self.groups[self.group_index[key]]

    @cached_property
    def _explicit_names(self) -> Mapping[str, str]:
        return {
            name: g.key
            for g in self.groups
            if not isinstance(g.names, NameRange)
            for name in g.names
        }

    def locate(self, name: str) -> tuple[str, int] | None:
        """(group key, member index) of speaker ``name``, or ``None`` if unknown."""
        key = self._explicit_names.get(name)
        if key is not None:
            return key, self.group(key).names.index(name)  # type: ignore[union-attr]
        for g in self.groups:
            if isinstance(g.names, NameRange):
                i = g.names.index_of(name)
                if i is not None:
                    return g.key, i
        return None

    def profile_of(self, group: SpeakerGroup) -> Profile:
        """The profile of ``group``, with its capacity override applied."""
        profile = self.profiles[group.profile]
        if group.capacity is not None:
            return profile.overridden(profile.name, {"capacity": group.capacity})
        return profile

    @cached_property
    def adjacency(self) -> Mapping[str, tuple[tuple[str, str], ...]]:
        """Per group: ``(neighbour group, relation)`` pairs, relation seen from the group.

        Relations: ``client`` (the neighbour is my RR client), ``rr`` (the neighbour is my
        route reflector), ``peer`` (non-client iBGP peer).
        """
        adj: dict[str, list[tuple[str, str]]] = {g.key: [] for g in self.groups}
        for s in self.sessions:
            if s.kind == "rr-client":
                adj[s.a].append((s.b, "client"))
                adj[s.b].append((s.a, "rr"))
            else:
                adj[s.a].append((s.b, "peer"))
                adj[s.b].append((s.a, "peer"))
        order = self.group_index
        return {k: tuple(sorted(v, key=lambda e: order[e[0]])) for k, v in adj.items()}

    # -- counts ----------------------------------------------------------------------
    @property
    def speaker_count(self) -> int:
        """Number of speakers."""
        return sum(g.count for g in self.groups)

    @property
    def client_count(self) -> int:
        """Number of speakers that are not route reflectors (clients and plain peers)."""
        return sum(g.count for g in self.groups if not g.is_rr)

    def session_count(self, s: SessionGroup) -> int:
        """Number of sessions in the session group ``s``."""
        return self.group(s.a).count * self.group(s.b).count

    @property
    def total_sessions(self) -> int:
        """Number of BGP sessions in the zone."""
        return sum(self.session_count(s) for s in self.sessions)

    @property
    def total_routes(self) -> int:
        """Routes originated in the whole zone."""
        return sum(g.routes * g.count for g in self.groups)

    def sessions_of(self, key: str) -> int:
        """Sessions each member of group ``key`` has."""
        return sum(self.group(n).count for n, _ in self.adjacency[key])

    def shards(self) -> list[str]:
        """Shard labels in order of first appearance."""
        seen: dict[str, None] = {}
        for g in self.groups:
            if g.shard is not None:
                seen.setdefault(g.shard, None)
        return list(seen)


def session_name(a: str, b: str) -> str:
    """The name of the session between speakers ``a`` and ``b``: ``A~B``, names sorted."""
    x, y = sorted((a, b))
    return f"{x}~{y}"


def check_name(name: str, *, field: str, source: str | None, line: int | None) -> None:
    """Raise :class:`InputError` unless ``name`` is a valid speaker or shard name."""
    if not NAME_PATTERN.match(name):
        raise InputError(
            f"name {name!r} is not allowed", source=source, line=line, field=field,
            allowed=NAME_ALLOWED,
        )

