"""The planning problem: immutable, validated input of the engine.

Types (all frozen, hashable where it makes sense, and picklable):

- `Priority`: ``urgent`` / ``high`` / ``normal`` / ``low`` (string enum).
- `TimeWindow(start_s, end_s)`: inclusive bounds on the start of service, seconds from the horizon start.
- `Job`: one visit: ``id``, ``location`` (row/column index in the matrices), ``service_s``,
  ``time_windows`` (empty means any time), ``skills`` (all required), ``priority``, ``district``,
  ``due_s`` (SLA due time, a soft deadline on the start of service), ``demand`` (capacity units).
- `Break(id, window, duration_s)`: a break whose start must fall inside ``window``.
- `CrewCosts(fixed, per_hour, per_km)`: VROOM-style vehicle costs; arc cost is
  ``per_hour * travel_s / 3600 + per_km * dist_m / 1000`` (rounded), plus ``fixed`` if the crew is used.
- `Crew`: ``id``, ``start_location``, ``end_location``, ``shift`` (window of the whole route),
  ``breaks``, ``skills``, ``capacity`` (None: unlimited), ``districts`` (empty: every district),
  ``may_cross_districts`` and ``cross_district_penalty`` (None: the problem's default weight),
  ``costs``, ``locked`` (job ids the crew has accepted or started, in order: the route's fixed prefix).
- `Matrix`: a read-only square integer matrix (numpy), picklable; `Matrix.of(rows)` builds one.
- `Weights`: drop penalties per priority, lateness cost per second, default cross-district penalty,
  stability weight (cost of moving a visit away from the crew that had it, used by warm re-solves).
- `Problem(jobs, crews, travel_s, dist_m, weights, skills)`: ``skills`` is the optional catalogue of
  known skills; when given, any other skill is rejected.

Construction validates everything and raises `engine.errors.ModelError` naming the record and field.
Locked jobs keep the lower bound of their first time window but not the upper bound (work already
accepted is done even when late; lateness is still costed against ``due_s``).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt


class Priority(StrEnum):
    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"

    @property
    def rank(self) -> int:
        """0 for urgent … 3 for low (smaller is more important)."""
        return _PRIORITY_RANK[self]


_PRIORITY_RANK = {Priority.URGENT: 0, Priority.HIGH: 1, Priority.NORMAL: 2, Priority.LOW: 3}


@dataclass(frozen=True, slots=True)
class TimeWindow:
    start_s: int
    end_s: int

    def contains(self, t_s: int) -> bool:
        return self.start_s <= t_s <= self.end_s


@dataclass(frozen=True, slots=True)
class Job:
    id: str
    location: int
    service_s: int = 0
    time_windows: tuple[TimeWindow, ...] = ()
    skills: frozenset[str] = frozenset()
    priority: Priority = Priority.NORMAL
    district: int | None = None
    due_s: int | None = None
    demand: int = 0


@dataclass(frozen=True, slots=True)
class Break:
    id: str
    window: TimeWindow
    duration_s: int


@dataclass(frozen=True, slots=True)
class CrewCosts:
    fixed: int = 0
    per_hour: int = 3600
    per_km: int = 0

    def arc_cost(self, travel_s: int, dist_m: int) -> int:
        return (self.per_hour * travel_s + 3600 * self.per_km * dist_m // 1000 + 1800) // 3600


@dataclass(frozen=True, slots=True)
class Crew:
    id: str
    start_location: int
    end_location: int
    shift: TimeWindow
    breaks: tuple[Break, ...] = ()
    skills: frozenset[str] = frozenset()
    capacity: int | None = None
    districts: frozenset[int] = frozenset()
    may_cross_districts: bool = True
    cross_district_penalty: int | None = None
    costs: CrewCosts = CrewCosts()
    locked: tuple[str, ...] = ()

    def works_in(self, district: int | None) -> bool:
        """True when ``district`` is one of the crew's own districts (or the crew has no limits)."""
        return not self.districts or district is None or district in self.districts


class Matrix:
    """A read-only square matrix of non-negative integers (seconds or metres)."""

    __slots__ = ("_a",)

    def __init__(self, values: npt.ArrayLike) -> None:
        a = np.array(values, dtype=np.int64, copy=True)
        a.setflags(write=False)
        self._a: npt.NDArray[np.int64] = a

    @classmethod
    def of(cls, rows: Iterable[Iterable[int]]) -> Matrix:
        return cls([list(r) for r in rows])

    @property
    def array(self) -> npt.NDArray[np.int64]:
        return self._a

    @property
    def size(self) -> int:
        return int(self._a.shape[0]) if self._a.ndim == 2 else 0

    def __getitem__(self, ij: tuple[int, int]) -> int:
        return int(self._a[ij])

    def __reduce__(self) -> tuple[type[Matrix], tuple[npt.NDArray[np.int64]]]:
        return (Matrix, (np.asarray(self._a),))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Matrix) and np.array_equal(self._a, other._a)

    def __hash__(self) -> int:
        return hash(self._a.tobytes())

    def __repr__(self) -> str:
        return f"Matrix({self._a.shape[0] if self._a.ndim else 0}x…)"


@dataclass(frozen=True, slots=True)
class Weights:
    drop_urgent: int = 1_000_000_000
    drop_high: int = 10_000_000
    drop_normal: int = 1_000_000
    drop_low: int = 100_000
    lateness_per_s: int = 1
    cross_district_penalty: int = 1800
    stability: int = 0

    def drop_penalty(self, priority: Priority) -> int:
        return {
            Priority.URGENT: self.drop_urgent,
            Priority.HIGH: self.drop_high,
            Priority.NORMAL: self.drop_normal,
            Priority.LOW: self.drop_low,
        }[priority]


@dataclass(frozen=True)
class Problem:
    jobs: tuple[Job, ...]
    crews: tuple[Crew, ...]
    travel_s: Matrix
    dist_m: Matrix
    weights: Weights = field(default_factory=Weights)
    skills: frozenset[str] | None = None
    previous: tuple[tuple[str, str], ...] = ()
    """(job id, crew id) pairs of the plan being re-solved; used with ``weights.stability``."""

    def __post_init__(self) -> None:
        _validate(self)

    def job_index(self) -> dict[str, int]:
        """job id → position in ``jobs`` (computed once; do not modify the returned dict)."""
        return self._job_index

    def crew_index(self) -> dict[str, int]:
        """crew id → position in ``crews`` (computed once; do not modify the returned dict)."""
        return self._crew_index

    @functools.cached_property
    def _job_index(self) -> dict[str, int]:
        return {j.id: i for i, j in enumerate(self.jobs)}

    @functools.cached_property
    def _crew_index(self) -> dict[str, int]:
        return {c.id: i for i, c in enumerate(self.crews)}

    def replace(self, **changes: Any) -> Problem:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)


def _err(record: str, rid: str | None, fld: str, msg: str) -> None:
    from engine.errors import ModelError

    raise ModelError(record, rid, fld, msg)


def _check_window(record: str, rid: str, fld: str, w: object) -> None:
    if not isinstance(w, TimeWindow):
        _err(record, rid, fld, "must be a TimeWindow(start_s, end_s)")
        return
    if not isinstance(w.start_s, int | np.integer) or not isinstance(w.end_s, int | np.integer):
        _err(record, rid, fld, "bounds must be integer seconds")
    if w.end_s < w.start_s:
        _err(record, rid, fld, f"ends ({w.end_s} s) before it starts ({w.start_s} s); swap or fix the bounds")


def _check_matrix(name: str, m: object, n: int | None) -> int:
    if not isinstance(m, Matrix):
        _err("matrix", name, "type", "must be an engine.model.Matrix")
        return 0
    a = m.array
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        _err("matrix", name, "shape", f"must be square, got shape {tuple(a.shape)}")
    if n is not None and a.shape[0] != n:
        _err("matrix", name, "shape", f"is {a.shape[0]}x{a.shape[1]} but the travel matrix is {n}x{n}")
    if a.size and int(a.min()) < 0:
        i, j = np.unravel_index(int(a.argmin()), a.shape)
        _err("matrix", name, f"[{i}][{j}]", "is negative; travel times and distances must be >= 0")
    return int(a.shape[0])


def _validate(p: Problem) -> None:
    n = _check_matrix("travel_s", p.travel_s, None)
    _check_matrix("dist_m", p.dist_m, n)
    if not isinstance(p.weights, Weights):
        _err("problem", None, "weights", "must be an engine.model.Weights")
    for wname in Weights.__slots__:
        if getattr(p.weights, wname) < 0:
            _err("weights", None, wname, "must be >= 0")
    catalogue = p.skills
    seen_jobs: set[str] = set()
    for job in p.jobs:
        _validate_job(job, n, catalogue, seen_jobs)
    locked_by: dict[str, str] = {}
    seen_crews: set[str] = set()
    job_ids = {j.id for j in p.jobs}
    jobs_by_id = {j.id: j for j in p.jobs}
    for crew in p.crews:
        _validate_crew(crew, n, catalogue, seen_crews)
        for jid in crew.locked:
            if jid not in job_ids:
                _err("crew", crew.id, "locked", f"names job {jid!r}, which is not in the problem")
            if jid in locked_by:
                _err("crew", crew.id, "locked", f"job {jid!r} is already locked to crew {locked_by[jid]!r}")
            locked_by[jid] = crew.id
            job = jobs_by_id[jid]
            if not job.skills <= crew.skills:
                missing = ", ".join(sorted(job.skills - crew.skills))
                _err(
                    "crew",
                    crew.id,
                    "locked",
                    f"job {jid!r} needs skills the crew lacks ({missing}); unlock it",
                )
            if not crew.may_cross_districts and not crew.works_in(job.district):
                _err(
                    "crew",
                    crew.id,
                    "locked",
                    f"job {jid!r} is in district {job.district}, where the crew "
                    "may not work; unlock it or allow crossing",
                )
        load = sum(jobs_by_id[jid].demand for jid in crew.locked)
        if crew.capacity is not None and load > crew.capacity:
            _err(
                "crew",
                crew.id,
                "locked",
                f"locked jobs need {load} units, more than the capacity {crew.capacity}; unlock some",
            )
    crew_ids = {c.id for c in p.crews}
    for jid, cid in p.previous:
        if jid not in job_ids:
            continue  # a job of the previous plan that is gone now is simply forgotten
        if cid not in crew_ids:
            _err("previous", jid, "crew", f"names crew {cid!r}, which is not in the problem")


def _validate_job(job: Job, n: int, catalogue: frozenset[str] | None, seen: set[str]) -> None:
    if not isinstance(job, Job):
        _err("job", None, "type", "every job must be an engine.model.Job")
    rid = job.id
    if not isinstance(rid, str) or not rid:
        _err("job", str(rid), "id", "must be a non-empty string")
    if rid in seen:
        _err("job", rid, "id", "is used twice; job ids must be unique")
    seen.add(rid)
    if not isinstance(job.location, int | np.integer) or not 0 <= job.location < n:
        _err("job", rid, "location", f"must be a matrix index in 0..{n - 1}, got {job.location!r}")
    if job.service_s < 0:
        _err("job", rid, "service_s", f"is negative ({job.service_s}); use 0 or more seconds")
    if job.demand < 0:
        _err("job", rid, "demand", f"is negative ({job.demand})")
    if not isinstance(job.priority, Priority):
        _err("job", rid, "priority", f"must be one of {[p.value for p in Priority]}, got {job.priority!r}")
    prev_end: int | None = None
    for k, w in enumerate(job.time_windows):
        _check_window("job", rid, f"time_windows[{k}]", w)
        if prev_end is not None and w.start_s <= prev_end:
            _err("job", rid, f"time_windows[{k}]", "windows must be sorted and must not overlap")
        prev_end = w.end_s
    if not isinstance(job.skills, frozenset):
        _err("job", rid, "skills", "must be a frozenset of skill names")
    if catalogue is not None:
        for s in sorted(job.skills - catalogue):
            _err("job", rid, "skills", f"names unknown skill {s!r}; known skills: {sorted(catalogue)}")


def _validate_crew(crew: Crew, n: int, catalogue: frozenset[str] | None, seen: set[str]) -> None:
    if not isinstance(crew, Crew):
        _err("crew", None, "type", "every crew must be an engine.model.Crew")
    rid = crew.id
    if not isinstance(rid, str) or not rid:
        _err("crew", str(rid), "id", "must be a non-empty string")
    if rid in seen:
        _err("crew", rid, "id", "is used twice; crew ids must be unique")
    seen.add(rid)
    for fld in ("start_location", "end_location"):
        loc = getattr(crew, fld)
        if not isinstance(loc, int | np.integer) or not 0 <= loc < n:
            _err("crew", rid, fld, f"must be a matrix index in 0..{n - 1}, got {loc!r}")
    _check_window("crew", rid, "shift", crew.shift)
    for k, b in enumerate(crew.breaks):
        _check_window("crew", rid, f"breaks[{k}].window", b.window)
        if b.duration_s < 0:
            _err("crew", rid, f"breaks[{k}].duration_s", "is negative")
        if b.window.start_s > crew.shift.end_s - b.duration_s:
            _err("crew", rid, f"breaks[{k}].window", "cannot start early enough to end within the shift")
        if b.window.end_s < crew.shift.start_s:
            _err("crew", rid, f"breaks[{k}].window", "ends before the shift starts; move it into the shift")
    if crew.capacity is not None and crew.capacity < 0:
        _err("crew", rid, "capacity", f"is negative ({crew.capacity}); use None for unlimited")
    if crew.cross_district_penalty is not None and crew.cross_district_penalty < 0:
        _err("crew", rid, "cross_district_penalty", "must be >= 0")
    for fld in ("fixed", "per_hour", "per_km"):
        if getattr(crew.costs, fld) < 0:
            _err("crew", rid, f"costs.{fld}", "must be >= 0")
    if not isinstance(crew.skills, frozenset):
        _err("crew", rid, "skills", "must be a frozenset of skill names")
    if catalogue is not None:
        for s in sorted(crew.skills - catalogue):
            _err("crew", rid, "skills", f"names unknown skill {s!r}; known skills: {sorted(catalogue)}")


def matrix_from_points(points: Sequence[tuple[float, float]], scale: float = 1.0) -> Matrix:
    """Euclidean distances between points, scaled and truncated to integers (test and bench helper)."""
    xy = np.asarray(points, dtype=np.float64)
    d = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2))
    return Matrix(np.floor(d * scale).astype(np.int64))
