"""The parameters a search varies (model/params.py): ``--vary NAME=LO..HI[/STEP]``.

``check --vary`` and ``search`` claim HOLDS over a range, so the range must be the one
the user wrote, the zone at every point must be the zone file with exactly that number
changed, and a range the zone format cannot take must be refused up front, with one
line naming the flag (exit 2), not found invalid half-way through a search. The CLI's
tests run these paths in a subprocess; these run them in-process, field by field.
"""

from __future__ import annotations

from fractions import Fraction as F

import pytest
import yaml

from bgpcascade.model.dynamics import Trigger
from bgpcascade.model.errors import InputError
from bgpcascade.model.params import FIELDS, Param, Space

COMPACT = """\
zone: z
timers: {hold: 90, keepalive: 30}
profiles:
  slow: {base: appliance, capacity: 5000}
spines: {count: 2, profile: frr}
shards:
  - {name: a, rrs: 2, rr_profile: slow, clients: 300, routes_per_client: 150}
  - {name: b, rrs: 2, clients: 200, routes_per_client: 20, rr_capacity: 40000,
     timers: {hold: 30}}
"""

EXPLICIT = """\
zone: x
speakers:
  - {name: rr1, capacity: 7000, timers: {hold: 60, keepalive: 20}}
  - {name: h1, routes: 50}
  - {name: h2}
sessions:
  - {rr: rr1, client: h1}
  - {rr: rr1, client: h2}
"""


def _space(text: str = COMPACT) -> Space:
    return Space(text, "z.yaml")


# -- parsing -------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "lo", "hi", "step"), [
    ("a.clients=100..2000", 100, 2000, 1),
    ("a.clients = 100 .. 2000 / 50 ", 100, 2000, 50),
    ("a.clients=300", 300, 300, 1),
    ("a.clients=7..7", 7, 7, 1),
])
def test_a_range_is_read_as_written(text: str, lo: int, hi: int, step: int) -> None:
    p = _space().add(text)
    assert (p.name, p.lo, p.hi, p.step) == ("a.clients", lo, hi, step)
    assert p.current == 300 and p.worse == "up" and p.where == ("shards", 0, "clients")


@pytest.mark.parametrize(("name", "where", "current", "worse"), [
    ("a.clients", ("shards", 0, "clients"), 300, "up"),
    ("b.routes_per_client", ("shards", 1, "routes_per_client"), 20, "up"),
    ("a.rr_capacity", ("shards", 0, "rr_capacity"), 5000, "down"),   # from its profile
    ("b.rr_capacity", ("shards", 1, "rr_capacity"), 40000, "down"),  # set in the shard
    ("spines.capacity", ("spines", "capacity"), 80000, "down"),      # built-in frr
    ("hold", ("timers", "hold"), 90, "down"),
    ("a.hold", ("shards", 0, "timers", "hold"), 90, "down"),          # inherited
    ("b.hold", ("shards", 1, "timers", "hold"), 30, "down"),
    ("spines.hold", ("spines", "timers", "hold"), 90, "down"),
])
def test_each_compact_parameter_finds_its_field_and_current_value(
        name: str, where: tuple[str | int, ...], current: int, worse: str) -> None:
    lo = 3 if name.endswith("hold") else 1
    p = _space().add(f"{name}={lo}..{current}")
    assert (p.where, p.current, p.worse) == (where, current, worse)
    assert p.worse == FIELDS[name.rsplit(".", 1)[-1]][0]


@pytest.mark.parametrize(("name", "where", "current"), [
    ("rr1.capacity", ("speakers", 0, "capacity"), 7000),
    ("h1.routes", ("speakers", 1, "routes"), 50),
    ("h2.routes", ("speakers", 2, "routes"), 0),           # not written: the default 0
    ("rr1.hold", ("speakers", 0, "timers", "hold"), 60),
    ("h1.hold", ("speakers", 1, "timers", "hold"), 90),     # RFC 4271 §10's 90 s default
    ("h2.capacity", ("speakers", 2, "capacity"), 80000),   # the frr profile's
])
def test_each_explicit_parameter_finds_its_field_and_current_value(
        name: str, where: tuple[str | int, ...], current: int) -> None:
    p = _space(EXPLICIT).add(f"{name}={3 if name.endswith('hold') else 1}..{current or 1}")
    assert (p.where, p.current) == (where, current)


def test_the_safe_end_and_the_grid_follow_which_way_is_worse() -> None:
    s = _space()
    clients = s.add("a.clients=100..2000/100")
    cap = s.add("a.rr_capacity=1000..5000/1500")
    assert clients.safe_end == 100 and clients.on_grid(1900) and not clients.on_grid(1950)
    assert cap.safe_end == 5000 and cap.on_grid(2000) and cap.on_grid(3500)
    assert not cap.on_grid(3000)
    assert Param("x", 0, 10, 5, "up", ()).on_grid(7)  # step 1: every value


@pytest.mark.parametrize(("name", "unit"), [
    ("a.clients", "clients"), ("a.routes_per_client", "routes per client"),
    ("a.rr_capacity", "units/s"), ("spines.capacity", "units/s"), ("h1.routes", "routes"),
    ("hold", "s hold"), ("spike", "work units"),
])
def test_units_name_what_the_number_counts(name: str, unit: str) -> None:
    assert Param(name, 1, 2, 1, "up", ()).unit == unit


@pytest.mark.parametrize(("text", "says"), [
    ("a.clients", "has no range"),
    ("a.clients=lots", "is not a range of whole numbers"),
    ("a.clients=-5..10", "is not a range of whole numbers"),
    ("a.clients=1.5..10", "is not a range of whole numbers"),
    ("a.clients=100..2000/0", "step 0"),
    ("a.clients=2000..100", "2000 > 100"),
    ("a.color=1..2", "unknown parameter 'a.color'"),
    ("zz.clients=1..2", "no shard or speaker 'zz'"),
    ("routes=1..2", "does not apply to this zone"),
    ("a.hold=1..30", "holds hold times 1 and 2"),
    ("hold=0..30", "holds hold times 1 and 2"),
    ("a.clients=0..10", "at a.clients=0 the zone is invalid"),
    ("spike=1..10", "no --spike trigger to vary"),
])
def test_a_bad_range_is_one_line_naming_the_flag(text: str, says: str) -> None:
    s = _space()
    with pytest.raises(InputError) as exc:
        s.add(text)
    assert says in exc.value.problem and exc.value.field == "--vary"
    assert "\n" not in str(exc.value)
    assert s.params == []  # a refused range leaves nothing behind


def test_hold_zero_alone_is_a_range() -> None:
    """RFC 4271 §4.2: hold 0 (no KEEPALIVEs) is allowed, 1 and 2 are not."""
    s = _space()
    p = s.add("hold=0")
    assert (p.lo, p.hi) == (0, 0)
    timers = s.zone_at({"hold": 0}).timers
    assert (timers.hold, timers.keepalive) == (0, 0)  # §4.4: no KEEPALIVEs either


def test_a_parameter_is_varied_once() -> None:
    s = _space()
    s.add("a.clients=1..10")
    with pytest.raises(InputError, match="varied twice"):
        s.add("a.clients=20..30")
    assert len(s.params) == 1


def test_the_spike_parameter_needs_a_spike_of_one_unit_at_least() -> None:
    s = _space()
    p = s.add("spike=1..9000", spike=500)
    assert (p.current, p.where, p.worse) == (500, (), "up")
    with pytest.raises(InputError, match="a spike of 0 units"):
        _space().add("spike=0..10", spike=5)
    trig = Trigger("spike", F(10), "a-rr1", work=F(500))
    assert s.trigger_at(trig, {"spike": 7000}).work == 7000
    assert s.trigger_at(trig, {}).work == 500
    flap = Trigger("flap", F(10), "a-rr1", "spine1")
    assert s.trigger_at(flap, {"spike": 7000}) == flap


def test_a_current_value_that_is_not_whole_is_refused() -> None:
    text = COMPACT.replace("capacity: 5000", "capacity: 5000.5")
    with pytest.raises(InputError, match=r"5000\.5, not a whole number"):
        _space(text).add("a.rr_capacity=1000..5000")


def test_a_shard_range_whose_end_breaks_the_zone_is_refused() -> None:
    """Keepalive 30 inherited from the zone is not hold/3 of a 15-s hold: it is kept, and
    then it is longer than the hold (RFC 4271 §10: keepalive <= hold)."""
    text = COMPACT.replace("{hold: 90, keepalive: 30}", "{hold: 90, keepalive: 45}")
    with pytest.raises(InputError, match=r"at a\.hold=15 the zone is invalid"):
        _space(text).add("a.hold=15..90")


# -- the zone at a point -------------------------------------------------------------------


def test_the_point_is_the_values_given_else_a_single_value_else_the_current() -> None:
    s = _space()
    s.add("a.clients=100..2000")
    s.add("b.clients=50")
    s.add("b.routes_per_client=1..100")
    assert s.point({"a.clients": 700}) == {"a.clients": 700, "b.clients": 50,
                                           "b.routes_per_client": 20}
    assert s.point() == {"a.clients": 300, "b.clients": 50, "b.routes_per_client": 20}


def test_the_zone_at_a_point_changes_exactly_that_number() -> None:
    s = _space()
    s.add("a.clients=100..2000")
    s.add("b.rr_capacity=1000..40000")
    data = s.data_at({"a.clients": 1234, "b.rr_capacity": 999})
    expected = yaml.safe_load(COMPACT)
    expected["shards"][0]["clients"] = 1234
    expected["shards"][1]["rr_capacity"] = 999
    assert data == expected
    assert s.data == yaml.safe_load(COMPACT)  # the original is not touched
    zone = s.zone_at({"a.clients": 1234})
    assert zone.group("[a-c1..a-c1234]").count == 1234
    assert s.data_at({}) == yaml.safe_load(COMPACT)


def test_a_capacity_set_through_a_profile_is_written_into_the_shard() -> None:
    s = _space()
    s.add("a.rr_capacity=1000..5000")
    zone = s.zone_at({"a.rr_capacity": 1500})
    rr = next(g for g in zone.groups if g.shard == "a" and g.is_rr)
    assert zone.profile_of(rr).capacity == 1500
    assert zone.profile_of(rr).keepalive_rx == "fifo"  # still the appliance underneath


def test_varying_hold_lets_a_default_keepalive_follow_it() -> None:
    """Keepalive 30 with hold 90 is the hold/3 default (RFC 4271 §10): at hold 9 it is
    3. A shard that inherits it gets the new hold and hold/3 too."""
    s = _space()
    s.add("hold=9..90")
    assert s.data_at({"hold": 9})["timers"] == {"hold": 9}
    zone = s.zone_at({"hold": 9})
    assert zone.group("a-rr1").timers.hold == 9 and zone.group("a-rr1").timers.keepalive == 3
    s = _space()
    s.add("a.hold=9..90")
    assert s.data_at({"a.hold": 9})["shards"][0]["timers"] == {"hold": 9}
    assert s.zone_at({"a.hold": 9}).group("a-rr1").timers.keepalive == 3
    assert s.zone_at({"a.hold": 9}).group("b-rr1").timers.hold == 30


def test_varying_hold_keeps_a_keepalive_set_apart() -> None:
    """Keepalive 10 with hold 90 is a choice, not the default: varying the hold of a
    shard that inherits it writes it at the shard, so only the hold changes."""
    text = COMPACT.replace("{hold: 90, keepalive: 30}", "{hold: 90, keepalive: 10}")
    s = _space(text)
    s.add("a.hold=30..90")
    assert s.data_at({"a.hold": 45})["shards"][0]["timers"] == {"keepalive": 10, "hold": 45}
    timers = s.zone_at({"a.hold": 45}).group("a-rr1").timers
    assert (timers.hold, timers.keepalive) == (45, 10)


def test_the_keepalive_of_a_level_without_timers_is_hold_over_3_or_30() -> None:
    s = _space(EXPLICIT)
    assert s._effective_keepalive(("speakers", 0)) == 20
    assert s._effective_keepalive(("speakers", 1)) == 30   # nothing set anywhere
    assert s._effective_hold(("speakers", 1)) == 90
    s = _space()
    assert s._effective_keepalive(("shards", 1)) == 10     # b's hold 30, over 3


def test_the_zone_file_at_a_point_names_the_point() -> None:
    s = _space()
    s.add("b.clients=10..200")
    s.add("a.clients=100..2000")
    text = s.text_at({"a.clients": 150})
    assert text.splitlines()[0] == "# z from z.yaml at a.clients=150, b.clients=200"
    assert yaml.safe_load(text) == s.data_at(s.point({"a.clients": 150}))
    assert _space().text_at({}).splitlines()[0] == "# z from z.yaml"


def test_zones_at_points_are_cached_and_the_cache_is_bounded() -> None:
    """A search revisits points (bisection, the grid's ends): each zone loads once. The
    cache keeps up to 65 zones and then starts again, so memory stays bounded."""
    s = _space()
    s.add("a.clients=1..100")
    first = s.zone_at({"a.clients": 1})  # loaded by add(), with the range's other end
    s.zone_at({"a.clients": 2})
    assert s.zone_at({"a.clients": 1}) is first
    for v in range(3, 65):
        s.zone_at({"a.clients": v})
    assert len(s._zones) == 65 and s.zone_at({"a.clients": 1}) is first
    s.zone_at({"a.clients": 65})
    assert len(s._zones) == 1
    assert s.zone_at({"a.clients": 65}).group("[a-c1..a-c65]").count == 65


def test_a_path_lookup_stops_at_what_the_file_does_not_have() -> None:
    s = _space()
    assert s._get(("shards", 1, "timers", "hold")) == 30
    assert s._get(("shards", 2, "clients"), "none") == "none"
    assert s._get(("shards", 0, "timers", "hold")) is None
    assert s._get(("spines", 0)) is None
    assert s._get(("shards", "a")) is None


def test_a_single_rr_or_spine_is_its_own_current_value() -> None:
    text = COMPACT.replace("spines: {count: 2, profile: frr}",
                           "spines: {count: 1, profile: bird}").replace(
        "{name: a, rrs: 2,", "{name: a, rrs: 1,")
    s = _space(text)
    assert s.add("spines.capacity=1000..120000").current == 120000  # built-in bird
    assert s.add("a.rr_capacity=1000..5000").current == 5000


def test_the_hold_in_force_is_the_nearest_level_that_sets_it() -> None:
    """Timers inherit zone -> spines or shard -> speaker (docs/zone-format.md)."""
    text = COMPACT.replace("{hold: 90, keepalive: 30}", "{hold: 60, keepalive: 20}")
    s = _space(text)
    assert s.add("spines.hold=3..60").current == 60
    assert s.add("a.hold=3..60").current == 60
    assert s.add("b.hold=3..30").current == 30
    assert s._effective_keepalive(("spines",)) == 20
    assert s._effective_keepalive(("shards", 1)) == 10  # b sets hold 30 only: 30/3


def test_a_keepalive_that_is_not_whole_is_written_as_it_was() -> None:
    text = COMPACT.replace("{hold: 90, keepalive: 30}", "{hold: 90, keepalive: 2.5}")
    s = _space(text)
    s.add("a.hold=30..90")
    assert s.data_at({"a.hold": 45})["shards"][0]["timers"] == {"keepalive": 2.5, "hold": 45}
    assert s.zone_at({"a.hold": 45}).group("a-rr1").timers.keepalive == F(5, 2)


def test_the_zone_file_at_a_point_keeps_the_users_key_order() -> None:
    """The counterexample's zone file reads like the user's: same keys, same order."""
    s = _space()
    s.add("a.clients=1..400")
    data = yaml.safe_load(s.text_at({"a.clients": 5}))
    assert list(data) == ["zone", "timers", "profiles", "spines", "shards"]
    assert list(data["shards"][0]) == ["name", "rrs", "rr_profile", "clients",
                                       "routes_per_client"]


def test_an_unknown_owner_lists_at_most_twelve_names() -> None:
    shards = "".join(f"  - {{name: s{i}, rrs: 1, clients: 1, routes_per_client: 1}}\n"
                     for i in range(14))
    s = _space(f"zone: many\nshards:\n{shards}")
    with pytest.raises(InputError) as exc:
        s.add("zz.clients=1..2")
    assert exc.value.allowed == ", ".join(f"s{i}" for i in range(12))
