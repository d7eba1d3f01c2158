"""The zone file's schema (pydantic): what keys exist, their types and ranges.

Strict types, unknown keys rejected; :func:`zone_json_schema` is ``bgpcascade schema``.
What pydantic cannot say (RFC 4271 §4.2 hold time, keepalive vs hold, sessions to unknown
speakers, RR hierarchy cycles, ...) the loader, :mod:`bgpcascade.model.zonefile`, checks
after it; that module re-exports every name here.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .profiles import GracefulRestart, JitterTimer, KeepaliveQueue, KeepaliveRx, KeepaliveTx

Seconds = Annotated[float, Field(ge=0, description="seconds")]
PositiveFloat = Annotated[float, Field(gt=0)]
NonNegFloat = Annotated[float, Field(ge=0)]
NonNegInt = Annotated[int, Field(ge=0)]
#: A jitter factor's bound (RFC 4271 §10 uses [0.75, 1.0]).
UnitFloat = Annotated[float, Field(gt=0, le=2)]
JitterRange = Annotated[list[UnitFloat], Field(min_length=2, max_length=2)]
ClusterMode = Literal["shared", "per-rr"]
#: Upper bounds of the compact form's counts (far above any real RR cluster; they keep a
#: typo like ``clients: 8000000000000`` from overflowing or hanging the loader).
MAX_CLIENTS = 1_000_000
MAX_RRS = 100
#: CLUSTER_ID of spines with ``cluster_id: shared``: not a valid shard name, so it can never
#: equal a shard's shared CLUSTER_ID (which is the shard name).
SPINE_CLUSTER_ID = "(spines)"


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)


class TimersSpec(_Spec):
    """Timers in seconds (RFC 4271 §10). ``keepalive`` defaults to hold/3."""

    hold: Seconds | None = Field(None, description="hold time proposed in OPEN: 0 or >= 3")
    keepalive: Seconds | None = Field(None, description="keepalive interval; default hold/3")
    connect_retry: Seconds | None = Field(None, description="ConnectRetryTime")


class ProfileSpec(_Spec):
    """A profile: a built-in ``base`` (or another profile of the file) with overrides."""

    base: str | None = Field(None, description="profile to inherit: frr, bird, gobgp, ...")
    capacity: PositiveFloat | None = Field(None, description="work units per second")
    cost_rx_route: NonNegFloat | None = None
    cost_tx_route: NonNegFloat | None = None
    cost_tx_peer_route: NonNegFloat | None = None
    cost_msg: NonNegFloat | None = None
    update_groups: bool | None = None
    routes_per_update: Annotated[int, Field(ge=1)] | None = None
    keepalive_rx: KeepaliveRx | None = None
    keepalive_tx: KeepaliveTx | None = None
    hold_jitter: bool | None = None
    jitter: dict[JitterTimer, JitterRange] | None = Field(
        None, description="timer -> [low, high]: factor each setting is multiplied by")
    open_hold: Seconds | None = None
    send_hold_factor: NonNegFloat | None = None
    send_hold_min: Seconds | None = None
    idle_hold_initial: Seconds | None = None
    idle_hold_max: Seconds | None = None
    graceful_restart: GracefulRestart | None = None
    stale_time: Seconds | None = None
    advertise_to_sender: bool | None = None
    dynamic_neighbor_limit: Annotated[int, Field(ge=1)] | None = None
    coalesce_time: Seconds | None = Field(None, description="wait before a new peer's "
                                          "table (s), plus coalesce_per_peer x peers")
    coalesce_per_peer: Seconds | None = None
    coalesce_max: Seconds | None = None
    send_buffer: Annotated[int, Field(ge=1)] | None = Field(None, description="bytes")
    recv_buffer: Annotated[int, Field(ge=1)] | None = Field(None, description="bytes")
    route_bytes: PositiveFloat | None = None
    keepalive_queue: KeepaliveQueue | None = None
    out_queue_limit: Annotated[int, Field(ge=0)] | None = None
    description: str | None = None

    @field_validator("graceful_restart", mode="before")
    @classmethod
    def _bare_off(cls, value: Any) -> Any:
        """YAML 1.1 (PyYAML) reads a bare ``off`` as false: take it as ``"off"``."""
        return "off" if value is False else value


class SpinesSpec(_Spec):
    """The top RR tier: every leaf RR is a client of every spine."""

    count: Annotated[int, Field(ge=1, le=MAX_RRS)]
    profile: str = "frr"
    cluster_id: ClusterMode = "per-rr"
    timers: TimersSpec | None = None
    capacity: PositiveFloat | None = None
    routes: NonNegInt = 0


class ShardSpec(_Spec):
    """One RR cluster and its clients."""

    name: str
    clients: Annotated[int, Field(ge=1, le=MAX_CLIENTS)]
    routes_per_client: NonNegInt
    rrs: Annotated[int, Field(ge=1, le=MAX_RRS)] = 2
    rr_profile: str = "frr"
    client_profile: str = "frr"
    cluster_id: ClusterMode = "per-rr"
    timers: TimersSpec | None = None
    rr_capacity: PositiveFloat | None = None
    rr_routes: NonNegInt = 0
    client_to_client: bool = True
    dynamic_neighbors: bool = False


class CompactZoneSpec(_Spec):
    """Compact form: counts, for big zones."""

    zone: str
    description: str | None = None
    timers: TimersSpec | None = None
    profiles: dict[str, ProfileSpec] = Field(default_factory=dict)
    spines: SpinesSpec | None = None
    shards: Annotated[list[ShardSpec], Field(min_length=1)]


class SpeakerSpec(_Spec):
    """One speaker of the explicit form."""

    name: str
    profile: str = "frr"
    cluster_id: Any = Field(None, description="CLUSTER_ID (string or integer); RRs only")
    routes: NonNegInt = 0
    timers: TimersSpec | None = None
    capacity: PositiveFloat | None = None
    shard: str | None = None
    client_to_client: bool = True
    dynamic_neighbors: bool = False
    router_id: str | None = Field(None, description="BGP Identifier, a dotted quad "
                                  "(RFC 4271 §4.2); default 10.0.0.<n> in declaration order")
    address: str | None = Field(None, description="IPv4 or IPv6 address its peers see it "
                                "at (RFC 4271 §9.1.2.2 g); default 10.0.0.<n>")


class SessionSpec(_Spec):
    """A session: ``{rr: X, client: Y}`` or ``{peers: [X, Y]}``."""

    rr: str | None = None
    client: str | None = None
    peers: list[str] | None = None


class ExplicitZoneSpec(_Spec):
    """Explicit form: any graph."""

    zone: str
    description: str | None = None
    timers: TimersSpec | None = None
    profiles: dict[str, ProfileSpec] = Field(default_factory=dict)
    speakers: Annotated[list[SpeakerSpec], Field(min_length=1)]
    sessions: list[SessionSpec] = Field(default_factory=list)


def zone_json_schema() -> dict[str, Any]:
    """JSON Schema of a zone file: either form (``bgpcascade schema``)."""
    compact = CompactZoneSpec.model_json_schema(ref_template="#/$defs/{model}")
    explicit = ExplicitZoneSpec.model_json_schema(ref_template="#/$defs/{model}")
    defs: dict[str, Any] = {}
    for schema in (compact, explicit):
        defs.update(schema.pop("$defs", {}))
    defs["CompactZoneSpec"] = compact
    defs["ExplicitZoneSpec"] = explicit
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "bgpcascade zone file",
        "oneOf": [
            {"$ref": "#/$defs/CompactZoneSpec"},
            {"$ref": "#/$defs/ExplicitZoneSpec"},
        ],
        "$defs": dict(sorted(defs.items())),
    }

