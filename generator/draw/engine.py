"""The pure algorithm of sunlight-draw/1: seed, cap, tickets, strata, teams.

No I/O here: `draw()` takes the canonical inputs and returns exactly what a locked
record states, so the same function serves locking and verification.
"""

from __future__ import annotations

import hashlib
import heapq
import importlib
import multiprocessing
import os
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, TypeVar

from generator.draw.canonical import enc, h, id_key, json_sha256
from generator.draw.frame_bytes import FrameBytes, Share, smallest_in_span

T = TypeVar("T")

# Below this many hashes a process pool costs more than it saves.
PARALLEL_ABOVE = 200_000


@dataclass(frozen=True)
class Selected:
    object_id: str
    stratum: str
    ticket: str

    def as_json(self) -> dict[str, str]:
        return {"object_id": self.object_id, "stratum": self.stratum, "ticket": self.ticket}


@dataclass(frozen=True)
class Outcome:
    manifest_sha256: str
    seed: str
    excluded_by_cap: list[str]
    selected: list[Selected]
    teams: list[dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        return {
            "manifest_sha256": self.manifest_sha256,
            "seed": self.seed,
            "excluded_by_cap": self.excluded_by_cap,
            "selected": [s.as_json() for s in self.selected],
            "teams": self.teams,
        }


def seed_of(manifest_sha256: str, beacon_value: str) -> str:
    return h("sunlight/seed/v1", manifest_sha256, beacon_value)


def ticket(seed: str, task_id: str, object_id: str) -> str:
    return h("sunlight/object/v1", seed, task_id, object_id)


def inspector_ticket(seed: str, task_id: str, object_id: str, inspector_id: str) -> str:
    return h("sunlight/inspector/v1", seed, task_id, object_id, inspector_id)


def stratum_size(eligible: int, stratum: Mapping[str, Any]) -> int:
    """n = ceil(N × ratio_bp / 10000) in integers, or min(count, N)."""
    if "ratio_bp" in stratum:
        return (eligible * int(stratum["ratio_bp"]) + 9999) // 10000
    return min(int(stratum["count"]), eligible)


def capped(frame_ids: Iterable[str], prior: Iterable[str] | Counter[str], cap: int) -> list[str]:
    """Frame objects already selected `cap` times this year by earlier draws (第八条).

    `prior` is every earlier selection this year, or their counts as a `Counter`
    (what a caller walking the whole ledger keeps, instead of a growing list).
    """
    full = _full(prior, cap)
    if not full:  # the usual case early in a year: no need to walk a million-object frame
        return []
    return sorted((o for o in frame_ids if o in full), key=id_key)


def _full(prior: Iterable[str] | Counter[str], cap: int) -> set[str]:
    counts = prior if isinstance(prior, Counter) else Counter(prior)
    return {o for o, n in counts.items() if n >= cap}


def select_objects(seed: str, task_id: str, frame: Sequence[tuple[str, str]],
                   strata: Sequence[Mapping[str, Any]], excluded: set[str]) -> list[Selected]:
    """Section 3: per stratum, the first n eligible objects by (ticket, id)."""
    eligible = Counter(s for o, s in frame if o not in excluded) if excluded else Counter(map(itemgetter(1), frame))
    sizes = {s["id"]: stratum_size(eligible[s["id"]], s) for s in strata}
    # Each process hashes its share and keeps only its n smallest keys per stratum (the frame
    # reaches the forked workers by inheritance, not by pickling).
    parts = in_processes(_smallest_in_chunk, [(seed, task_id, a, b, sizes, excluded) for a, b in _chunks(len(frame))],
                   shared=frame)
    return _merge(strata, sizes, parts)


def _merge(strata: Sequence[Mapping[str, Any]], sizes: Mapping[str, int],
           parts: Iterable[Mapping[str, list[bytes]]]) -> list[Selected]:
    """Per stratum the `sizes[stratum]` smallest keys of all parts, then all by (ticket, id)."""
    parts = list(parts)
    chosen: list[tuple[bytes, str]] = []
    for stratum in strata:
        sid = stratum["id"]
        best = heapq.nsmallest(sizes[sid], (key for part in parts for key in part[sid]))
        chosen.extend((key, sid) for key in best)
    chosen.sort()
    return [Selected(key[32:].decode("utf-8"), s, key[:32].hex()) for key, s in chosen]


def select_from_bytes(seed: str, task_id: str, frame: FrameBytes, strata: Sequence[Mapping[str, Any]],
                      full: set[str]) -> tuple[list[str], list[Selected]] | None:
    """`capped` and `select_objects` of a canonical frame file read as bytes.

    The same result as on `frame.rows()`; None when a line's stratum is not exactly one of
    `strata`, or a stratum id is not a string (the row path then behaves as it always did).
    Each span of lines is hashed by its own process, the first by this one; each keeps, per
    stratum, as many smallest keys as the stratum could select with no object capped: the cap
    only lowers a stratum's size, so the selection is always among them.
    """
    if not all(isinstance(s["id"], str) for s in strata):
        return None
    totals = {s["id"]: frame.count(s["id"]) for s in strata}
    if len(totals) != len(strata) or sum(totals.values()) != len(frame):
        return None
    keep = {s["id"]: stratum_size(totals[s["id"]], s) for s in strata}
    spans = frame.spans(_workers() if len(frame) >= PARALLEL_ABOVE else 1)
    prefix = enc("sunlight/object/v1", seed, task_id)
    shares: list[Share] = in_processes(_smallest_in_shared_span, [
        # Only ASCII ids can be on a frame read as bytes (a hand-edited record may hold others).
        (prefix, a, b, keep, frozenset(o.encode("ascii") for o in full if o.isascii())) for a, b in spans],
        shared=frame.body)
    excluded = sorted((raw.decode("utf-8") for share in shares for raw in share.excluded), key=id_key)
    sizes = {s["id"]: stratum_size(sum(share.eligible[s["id"]] for share in shares), s) for s in strata}
    return excluded, _merge(strata, sizes, (share.smallest for share in shares))


def _smallest_in_shared_span(prefix: bytes, start: int, end: int, keep: Mapping[str, int],
                             full: frozenset[bytes]) -> Share:
    body = _SHARED[0]
    assert isinstance(body, bytes)
    return smallest_in_span(prefix, body, start, end, keep, full)


# What forked workers read instead of receiving it pickled (set just before the fork).
_SHARED: list[Any] = []


def shared_value() -> Any:
    """In a worker of `in_processes`, the value passed as `shared`."""
    return _SHARED[0]


def in_processes(work: Callable[..., T], calls: Sequence[tuple[Any, ...]], shared: Any = None) -> list[T]:
    """`[work(*args) for args in calls]`, the first call in this process, the rest in forked workers.

    This process would otherwise sit idle while the workers hash; doing a share itself saves
    a fork and pickling that share's result. `shared` reaches the workers as `_SHARED[0]`.
    """
    if shared is not None:
        _SHARED[:] = [shared]
    try:
        if len(calls) == 1:
            return [work(*calls[0])]
        with _pool(len(calls) - 1) as pool:
            rest = [pool.submit(work, *args) for args in calls[1:]]
            first = work(*calls[0])
            return [first, *(future.result() for future in rest)]
    finally:
        _SHARED.clear()


def _smallest_in_chunk(seed: str, task_id: str, start: int, end: int, sizes: Mapping[str, int],
                       excluded: set[str]) -> dict[str, list[bytes]]:
    frame = _SHARED[0]
    assert not isinstance(frame, bytes)
    return _smallest_tickets(seed, task_id, frame[start:end], sizes, excluded)


def _smallest_tickets(seed: str, task_id: str, frame: Sequence[tuple[str, str]],
                      sizes: Mapping[str, int], excluded: set[str]) -> dict[str, list[bytes]]:
    """Per stratum, the `sizes[stratum]` smallest sort keys among the eligible objects."""
    keyed = _sort_keys(seed, "sunlight/object/v1", task_id, [o for o, _ in frame])
    pools: dict[str, list[bytes]] = {sid: [] for sid in sizes}
    add = {sid: pool.append for sid, pool in pools.items()}
    for (object_id, stratum_id), key in zip(frame, keyed, strict=True):
        if object_id not in excluded:
            add[stratum_id](key)
    return {sid: heapq.nsmallest(sizes[sid], pool) for sid, pool in pools.items()}


def _sort_keys(seed: str, domain: str, task_id: str, ids: Sequence[str],
               *context: str) -> list[bytes]:
    """For each id, its 32-byte ticket digest followed by the id's UTF-8 bytes.

    Sorting these byte strings sorts by (ticket, id) exactly as the spec says, because the
    digest has a fixed length; it avoids building a tuple per object, which matters at a
    million objects. (Hashing prefix + suffix in one OpenSSL call measured faster than copying
    a primed state, even CPython's: here the copy saves one block of three, see
    `_sha256_for_copying`.) The hashed prefix up to the id's bytes is shared by all ids of a
    length, so it is built once per length.
    """
    prefix = enc(domain, seed, task_id, *context)
    sha256 = hashlib.sha256
    raws = [identifier.encode("utf-8") for identifier in ids]
    by_length = {n: prefix + n.to_bytes(4, "big") for n in set(map(len, raws))}
    return [sha256(by_length[len(raw)] + raw).digest() + raw for raw in raws]


def _workers() -> int:
    return os.cpu_count() or 1


def _chunks(size: int, minimum: int = PARALLEL_ABOVE) -> list[tuple[int, int]]:
    workers = _workers()
    if size < minimum or workers == 1:
        return [(0, size)]
    step = -(-size // workers)
    return [(start, min(size, start + step)) for start in range(0, size, step)]


def _pool(workers: int | None = None) -> ProcessPoolExecutor:
    # fork: workers inherit the loaded modules, so starting them costs milliseconds.
    return ProcessPoolExecutor(max_workers=workers or _workers(), mp_context=multiprocessing.get_context("fork"))


def _sha256_for_copying() -> Any:
    """The SHA-256 constructor whose `copy()` is cheapest: same digests, less time.

    An object's inspector tickets share a 130-byte prefix, so it is hashed once and the
    state copied per inspector: one compression block each instead of three. OpenSSL's
    `copy()` allocates a new context and costs more than that saves; CPython's own
    implementation copies a small struct (module `_sha2` from 3.12, `_sha256` before).
    """
    for module in ("_sha2", "_sha256"):
        try:
            return importlib.import_module(module).sha256
        except (ImportError, AttributeError):
            continue
    return hashlib.sha256


_COPYABLE_SHA256 = _sha256_for_copying()


def _rankings(seed: str, task_id: str, objects: Sequence[str], rosters: Sequence[Sequence[str]],
              depths: Sequence[Sequence[int]]) -> list[list[list[int]]]:
    """For each object, each department's first `depth` roster indexes in (ticket, id) order.

    Rankings do not depend on who was already picked, so they are computed for all objects
    up front (in parallel); the picking stays sequential. Only the positions the walk can
    reach are kept (see `_depths`): usually one per slot, found with min() instead of a sort.
    """
    tails = [[len(raw).to_bytes(4, "big") + raw for raw in map(id_key, ids)] for ids in rosters]
    out = []
    for o, wanted in zip(objects, depths, strict=True):
        primed = _COPYABLE_SHA256(enc("sunlight/inspector/v1", seed, task_id, o))
        out.append([_lowest(depth, _digests(primed, department), ids)
                    for department, ids, depth in zip(tails, rosters, wanted, strict=True)])
    return out


def _digests(primed: Any, tails: Sequence[bytes]) -> list[bytes]:
    """The digest of the primed prefix followed by each tail."""
    copy = primed.copy
    digests = []
    for tail in tails:
        state = copy()
        state.update(tail)
        digests.append(state.digest())
    return digests


def _lowest(depth: int, digests: list[bytes], ids: Sequence[str]) -> list[int]:
    """Indexes of the `depth` lowest (digest, id), lowest first."""
    if depth == 1:
        lowest = min(digests)
        if digests.count(lowest) == 1:  # a tie would need the ids: sort below
            return [digests.index(lowest)]
    ranked = sorted(zip(digests, map(id_key, ids), range(len(ids)), strict=True))
    return [index for _, _, index in ranked[:depth]]


# With a load limit, positions kept beyond what barred and repeated inspectors can use up:
# room for that many full inspectors before an object's ranking must be computed whole.
LIMIT_SLACK = 8


def _depths(objects: Sequence[str], rosters: Sequence[Sequence[str]], sizes: Sequence[int],
            barred: Mapping[str, set[str]], limit: int | None) -> list[list[int]]:
    """How far into each object's department rankings the walk is expected to go.

    A department's slots skip inspectors barred for the object, already on its team
    (possible only for someone listed twice in the roster) or, with a limit, full. Without
    a limit the first size + (barred and repeated entries) positions always suffice; with
    one, `LIMIT_SLACK` more are kept and `draw_teams` ranks the whole roster when the walk
    runs past them.
    """
    listed = Counter(i for ids in rosters for i in ids)
    extra = LIMIT_SLACK if limit is not None else 0
    plain = [min(len(ids), size + extra + sum(1 for i in ids if listed[i] > 1))
             for ids, size in zip(rosters, sizes, strict=True)]
    return [[min(len(ids), depth + len(barred[o].intersection(ids))) for ids, depth in zip(rosters, plain, strict=True)]
            if o in barred else plain for o in objects]


def draw_teams(seed: str, task_id: str, selection: Sequence[Selected],
               roster: Sequence[tuple[str, str]], exclusions: Iterable[tuple[str, str]],
               team: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """Section 4: one team per selected object, in selection order.

    Each department's roster is ranked per object; walking that ranking and skipping the
    ineligible gives the same pick as ranking only the eligible candidates.
    """
    if not team:
        return [{"object_id": s.object_id, "members": []} for s in selection]
    slots = [(slot["id"], int(slot["size"])) for slot in team["departments"]]
    members_of: dict[str, list[str]] = {}
    for inspector_id, department in roster:
        members_of.setdefault(department, []).append(inspector_id)
    rosters = [members_of.get(department, []) for department, _ in slots]
    excluded: dict[str, set[str]] = {}
    for object_id, inspector_id in exclusions:
        excluded.setdefault(object_id, set()).add(inspector_id)
    limit = team.get("max_per_inspector")
    objects = [s.object_id for s in selection]
    depths = _depths(objects, rosters, [size for _, size in slots], excluded, limit)
    rankings = _all_rankings(seed, task_id, objects, rosters, depths)
    load: Counter[str] = Counter()
    teams = []
    for o, ranking in zip(objects, rankings, strict=True):
        barred = excluded.get(o, set())
        members: list[dict[str, str | None]] = []
        on_team: set[str] = set()
        for (department, size), ids, order in zip(slots, rosters, ranking, strict=True):
            unavailable = barred | on_team
            picks = _walk(order, ids, size, unavailable, load, limit)
            if len(picks) < size and len(order) < len(ids):  # walked past the kept positions
                whole = _rankings(seed, task_id, [o], [ids], [[len(ids)]])[0][0]
                picks = _walk(whole, ids, size, unavailable, load, limit)
            on_team.update(picks)
            load.update(picks)
            members.extend({"department": department, "inspector_id": i} for i in picks)
            members.extend({"department": department, "inspector_id": None} for _ in range(size - len(picks)))
        teams.append({"object_id": o, "members": members})
    return teams


def _walk(order: Sequence[int], ids: Sequence[str], size: int, unavailable: set[str],
          load: Counter[str], limit: int | None) -> list[str]:
    """The first `size` distinct eligible inspectors in ranking order (fewer if it runs out)."""
    picks: list[str] = []
    for index in order:
        if len(picks) == size:
            break
        inspector_id = ids[index]
        if (inspector_id in unavailable or inspector_id in picks
                or (limit is not None and load[inspector_id] >= limit)):
            continue
        picks.append(inspector_id)
    return picks


def _all_rankings(seed: str, task_id: str, objects: Sequence[str], rosters: Sequence[Sequence[str]],
                  depths: Sequence[Sequence[int]]) -> list[list[list[int]]]:
    """`_rankings` for every object, split over the CPUs when there are enough hashes."""
    work = sum(len(r) for r in rosters) * len(objects)
    chunks = _chunks(len(objects), minimum=max(1, PARALLEL_ABOVE * len(objects) // max(work, 1)))
    parts = in_processes(_rankings, [(seed, task_id, objects[a:b], rosters, depths[a:b]) for a, b in chunks])
    return [ranking for part in parts for ranking in part]


def draw(manifest: Mapping[str, Any], beacon_value: str, frame: Sequence[tuple[str, str]] | FrameBytes,
         prior: Iterable[str] | Counter[str], roster: Sequence[tuple[str, str]] = (),
         exclusions: Iterable[tuple[str, str]] = ()) -> Outcome:
    """Everything a locked record states, from the published inputs alone.

    `frame` is the frame's rows, or its canonical file as `FrameBytes` (the same outcome, faster).
    """
    manifest_sha256 = json_sha256(manifest)
    seed = seed_of(manifest_sha256, beacon_value)
    cap = int(manifest["cap_per_year"])
    drawn = None
    if isinstance(frame, FrameBytes):
        drawn = select_from_bytes(seed, manifest["task_id"], frame, manifest["strata"], _full(prior, cap))
        frame = frame.rows() if drawn is None else frame
    if drawn is None:
        assert not isinstance(frame, FrameBytes)
        excluded = capped((o for o, _ in frame), prior, cap)
        drawn = excluded, select_objects(seed, manifest["task_id"], frame, manifest["strata"], set(excluded))
    excluded, selection = drawn
    teams = draw_teams(seed, manifest["task_id"], selection, roster, exclusions,
                       manifest.get("team"))
    return Outcome(manifest_sha256, seed, excluded, selection, teams)
