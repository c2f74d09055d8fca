"""VROOM's JSON ↔ the engine's model and plan (pure: dicts in, dicts out; no file reading).

`from_vroom(doc) -> (Problem, WireIds)` reads VROOM's input (``vehicles``, ``jobs``, ``matrices`` or
``matrix``, ``skills``, ``priority``, ``time_windows``, ``breaks``, ``capacity``/``delivery``/``pickup``,
``service``, ``costs``) plus Crewline's additions under ``crewline`` keys, which VROOM ignores:

- job ``crewline``: ``priority`` (``urgent``/``high``/``normal``/``low``, overrides the number),
  ``district`` (int), ``due`` (SLA due time, seconds), ``skills`` (named skills, added to ``skills``);
- vehicle ``crewline``: ``districts`` ([int]), ``may_cross_districts`` (bool, default true),
  ``cross_district_penalty`` (int), ``locked`` ([job id], in order), ``skills`` (named skills);
- top level ``crewline``: ``weights`` (any `engine.model.Weights` field), ``previous``
  ([[job id, vehicle id]] of the plan being re-solved).

VROOM priorities 0–100 map to ``normal`` (0–49), ``high`` (50–74) and ``urgent`` (75–100).
Amounts: the first component of ``delivery`` plus ``pickup`` (or legacy ``amount``) against the first
component of ``capacity``. A vehicle without ``time_window`` works at any time; a job or vehicle must
use ``location_index`` (coordinates alone need a routing server, which the engine does not call).

`to_vroom(problem, plan, ids)` writes VROOM's solution (``code``, ``summary``, ``routes`` with
``steps`` of type start/job/break/end carrying ``arrival``, ``duration``, ``distance``, ``service``,
``waiting_time``, ``load``, and ``unassigned``) with Crewline's additions: ``summary.crewline.cost``
(the breakdown), ``unassigned[].crewline`` (``reason``, ``detail``), steps' ``crewline.start``
(service start), ``crewline.lateness`` and ``crewline.locked``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from engine.errors import ModelError
from engine.model import Break, Crew, CrewCosts, Job, Matrix, Priority, Problem, TimeWindow, Weights
from engine.plan import Plan, StepKind

ANY_TIME = 2**31 - 1


@dataclass(frozen=True, slots=True)
class WireIds:
    """The original (VROOM) ids of jobs, vehicles and breaks, keyed by the model's string ids."""

    jobs: tuple[tuple[str, int | str], ...]
    vehicles: tuple[tuple[str, int | str], ...]
    breaks: tuple[tuple[str, int | str], ...]

    def job(self, jid: str) -> int | str:
        return dict(self.jobs)[jid]

    def vehicle(self, cid: str) -> int | str:
        return dict(self.vehicles)[cid]


def _need(rec: str, rid: str | None, obj: Mapping[str, Any], key: str) -> Any:
    if key not in obj:
        raise ModelError(rec, rid, key, "is missing")
    return obj[key]


def _int(rec: str, rid: str | None, key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ModelError(rec, rid, key, f"must be an integer, got {value!r}")
    return value


def _window(rec: str, rid: str, key: str, value: Any) -> TimeWindow:
    if not isinstance(value, Sequence) or len(value) != 2:
        raise ModelError(rec, rid, key, f"must be a [start, end] pair, got {value!r}")
    return TimeWindow(_int(rec, rid, key, value[0]), _int(rec, rid, key, value[1]))


def _skills(rec: str, rid: str, obj: Mapping[str, Any]) -> frozenset[str]:
    raw = list(obj.get("skills", [])) + list(obj.get("crewline", {}).get("skills", []))
    for s in raw:
        if not isinstance(s, int | str) or isinstance(s, bool):
            raise ModelError(rec, rid, "skills", f"must hold integers or names, got {s!r}")
    return frozenset(str(s) for s in raw)


def _matrices(doc: Mapping[str, Any]) -> tuple[Matrix, Matrix]:
    if "matrices" in doc:
        mats = doc["matrices"]
        if not isinstance(mats, Mapping) or not mats:
            raise ModelError("problem", None, "matrices", "must map a profile to {durations, distances}")
        profile = "car" if "car" in mats else sorted(mats)[0]
        durations = _need("matrices", profile, mats[profile], "durations")
        distances = mats[profile].get("distances", durations)
    elif "matrix" in doc:
        durations = distances = doc["matrix"]
    else:
        raise ModelError("problem", None, "matrices", "is missing: give matrices.<profile>.durations")
    try:
        return Matrix(durations), Matrix(distances)
    except (TypeError, ValueError) as exc:
        raise ModelError("problem", None, "matrices", f"must be square integer matrices ({exc})") from exc


def _priority(rid: str, job: Mapping[str, Any]) -> Priority:
    named = job.get("crewline", {}).get("priority")
    if named is not None:
        try:
            return Priority(named)
        except ValueError:
            raise ModelError(
                "job",
                rid,
                "crewline.priority",
                f"must be one of {[p.value for p in Priority]}, got {named!r}",
            ) from None
    p = _int("job", rid, "priority", job.get("priority", 0))
    if not 0 <= p <= 100:
        raise ModelError("job", rid, "priority", f"must be in 0..100, got {p}")
    return Priority.URGENT if p >= 75 else Priority.HIGH if p >= 50 else Priority.NORMAL


def _amount(rec: str, rid: str, obj: Mapping[str, Any], keys: Sequence[str]) -> int:
    total = 0
    for key in keys:
        v = obj.get(key)
        if v is None:
            continue
        if not isinstance(v, Sequence) or not v:
            raise ModelError(rec, rid, key, f"must be a non-empty list of integers, got {v!r}")
        total += _int(rec, rid, key, v[0])
    return total


def _location(rec: str, rid: str, obj: Mapping[str, Any], key: str, n: int) -> int:
    if key not in obj:
        raise ModelError(rec, rid, key, "is missing: the engine needs matrix indices, not coordinates")
    v = _int(rec, rid, key, obj[key])
    if not 0 <= v < n:
        raise ModelError(rec, rid, key, f"must be a matrix index in 0..{n - 1}, got {v}")
    return v


def from_vroom(doc: Mapping[str, Any]) -> tuple[Problem, WireIds]:
    """VROOM's problem JSON (as a dict) → a validated `Problem` and the original ids."""
    if not isinstance(doc, Mapping):
        raise ModelError("problem", None, "(root)", "must be a JSON object")
    travel, dist = _matrices(doc)
    n = travel.size
    job_ids: list[tuple[str, int | str]] = []
    jobs: list[Job] = []
    for k, raw in enumerate(_need("problem", None, doc, "jobs")):
        orig = _need("job", f"#{k}", raw, "id")
        rid = str(orig)
        job_ids.append((rid, orig))
        ext = raw.get("crewline", {})
        windows = tuple(_window("job", rid, "time_windows", w) for w in raw.get("time_windows", []))
        jobs.append(
            Job(
                id=rid,
                location=_location("job", rid, raw, "location_index", n),
                service_s=_int("job", rid, "service", raw.get("service", 0)) + int(raw.get("setup", 0)),
                time_windows=tuple(sorted(windows, key=lambda w: w.start_s)),
                skills=_skills("job", rid, raw),
                priority=_priority(rid, raw),
                district=None
                if ext.get("district") is None
                else _int("job", rid, "crewline.district", ext["district"]),
                due_s=None if ext.get("due") is None else _int("job", rid, "crewline.due", ext["due"]),
                demand=_amount("job", rid, raw, ("delivery", "pickup", "amount")),
            )
        )
    if doc.get("shipments"):
        raise ModelError("problem", None, "shipments", "are not supported; send each leg as a job")
    veh_ids: list[tuple[str, int | str]] = []
    brk_ids: list[tuple[str, int | str]] = []
    crews: list[Crew] = []
    for k, raw in enumerate(_need("problem", None, doc, "vehicles")):
        orig = _need("vehicle", f"#{k}", raw, "id")
        rid = str(orig)
        veh_ids.append((rid, orig))
        ext = raw.get("crewline", {})
        start = _location("vehicle", rid, raw, "start_index", n) if "start_index" in raw else None
        end = _location("vehicle", rid, raw, "end_index", n) if "end_index" in raw else None
        if start is None and end is None:
            raise ModelError("vehicle", rid, "start_index", "is missing (and so is end_index)")
        shift = _window("vehicle", rid, "time_window", raw["time_window"]) if "time_window" in raw else None
        shift = shift or TimeWindow(0, ANY_TIME)
        breaks = []
        for b in raw.get("breaks", []):
            bid = _need("vehicle", rid, b, "id")
            tws = b.get("time_windows", [[shift.start_s, shift.end_s]])
            if len(tws) != 1:
                raise ModelError(
                    "vehicle", rid, f"breaks[{bid}].time_windows", "must hold exactly one window"
                )
            key = f"{rid}/{bid}"
            brk_ids.append((key, bid))
            breaks.append(
                Break(
                    key,
                    _window("vehicle", rid, "breaks.time_windows", tws[0]),
                    _int("vehicle", rid, "breaks.service", b.get("service", 0)),
                )
            )
        costs = raw.get("costs", {})
        capacity = raw.get("capacity")
        crews.append(
            Crew(
                id=rid,
                start_location=start if start is not None else end,  # type: ignore[arg-type]
                end_location=end if end is not None else start,  # type: ignore[arg-type]
                shift=shift,
                breaks=tuple(breaks),
                skills=_skills("vehicle", rid, raw),
                capacity=None if capacity is None else _amount("vehicle", rid, raw, ("capacity",)),
                districts=frozenset(
                    _int("vehicle", rid, "crewline.districts", d) for d in ext.get("districts", [])
                ),
                may_cross_districts=bool(ext.get("may_cross_districts", True)),
                cross_district_penalty=ext.get("cross_district_penalty"),
                costs=CrewCosts(
                    fixed=_int("vehicle", rid, "costs.fixed", costs.get("fixed", 0)),
                    per_hour=_int("vehicle", rid, "costs.per_hour", costs.get("per_hour", 3600)),
                    per_km=_int("vehicle", rid, "costs.per_km", costs.get("per_km", 0)),
                ),
                locked=tuple(str(j) for j in ext.get("locked", [])),
            )
        )
    top = doc.get("crewline", {})
    weights = _weights(top.get("weights", {}))
    previous = tuple((str(j), str(v)) for j, v in top.get("previous", []))
    problem = Problem(tuple(jobs), tuple(crews), travel, dist, weights, previous=previous)
    return problem, WireIds(tuple(job_ids), tuple(veh_ids), tuple(brk_ids))


def _weights(raw: Mapping[str, Any]) -> Weights:
    known = {f.name for f in fields(Weights)}
    for key in raw:
        if key not in known:
            raise ModelError("crewline.weights", None, key, f"is not a weight; known: {sorted(known)}")
    return Weights(**{k: _int("crewline.weights", None, k, v) for k, v in raw.items()})


def to_vroom(problem: Problem, plan: Plan, ids: WireIds, solving_ms: int = 0) -> dict[str, Any]:
    """A `Plan` → VROOM's solution JSON (as a dict), with Crewline's additions."""
    jobs = {j.id: j for j in problem.jobs}
    crews = {c.id: c for c in problem.crews}
    job_id = dict(ids.jobs)
    veh_id = dict(ids.vehicles)
    brk_id = dict(ids.breaks)
    routes = []
    tot = {"service": 0, "duration": 0, "waiting_time": 0, "distance": 0, "delivery": 0}
    for route in plan.routes:
        crew = crews[route.crew_id]
        load = sum(jobs[j].demand for j in route.job_ids)
        steps = []
        travelled = dist = 0
        for s in route.steps:
            travelled += s.travel_s
            dist += s.dist_m
            step: dict[str, Any] = {
                "type": s.kind.value,
                "arrival": s.start_s if s.kind is StepKind.BREAK else s.arrival_s,
                "duration": travelled,
                "distance": dist,
                "service": s.service_s,
                "waiting_time": s.waiting_s,
                "setup": 0,
                "load": [load],
                "violations": [],
            }
            if s.location is not None:
                step["location_index"] = s.location
            if s.kind is StepKind.JOB and s.ref is not None:
                step["id"] = job_id[s.ref]
                step["job"] = job_id[s.ref]
                load -= jobs[s.ref].demand
                step["crewline"] = {"start": s.start_s, "lateness": s.lateness_s, "locked": s.locked}
            elif s.kind is StepKind.BREAK and s.ref is not None:
                step["id"] = brk_id[s.ref]
            steps.append(step)
        route_cost = sum(crew.costs.arc_cost(s.travel_s, s.dist_m) for s in route.steps) + crew.costs.fixed
        routes.append(
            {
                "vehicle": veh_id[route.crew_id],
                "cost": route_cost,
                "delivery": [route.load],
                "pickup": [0],
                "setup": 0,
                "service": route.service_s,
                "duration": route.travel_s,
                "waiting_time": route.waiting_s,
                "priority": 0,
                "distance": route.dist_m,
                "steps": steps,
                "violations": [],
            }
        )
        tot["service"] += route.service_s
        tot["duration"] += route.travel_s
        tot["waiting_time"] += route.waiting_s
        tot["distance"] += route.dist_m
        tot["delivery"] += route.load
    unassigned = [
        {
            "id": job_id[u.job_id],
            "type": "job",
            "location_index": jobs[u.job_id].location,
            "crewline": {"reason": u.reason.value, "detail": u.detail},
        }
        for u in plan.unassigned
    ]
    c = plan.cost
    summary = {
        "cost": c.travel + c.fixed,
        "routes": len(routes),
        "unassigned": len(unassigned),
        "delivery": [tot["delivery"]],
        "pickup": [0],
        "setup": 0,
        "service": tot["service"],
        "duration": tot["duration"],
        "waiting_time": tot["waiting_time"],
        "priority": 0,
        "distance": tot["distance"],
        "violations": [],
        "computing_times": {"loading": 0, "solving": solving_ms, "routing": 0},
        "crewline": {
            "cost": {
                "travel": c.travel,
                "fixed": c.fixed,
                "lateness": c.lateness,
                "cross_district": c.cross_district,
                "stability": c.stability,
                "dropped": c.dropped,
                "total": c.total,
            },
            "solver": plan.solver,
        },
    }
    return {"code": 0, "summary": summary, "unassigned": unassigned, "routes": routes}


_PRIORITY_NUMBER = {Priority.URGENT: 100, Priority.HIGH: 60, Priority.NORMAL: 0, Priority.LOW: 0}


def problem_to_vroom(problem: Problem) -> dict[str, Any]:
    """A `Problem` → VROOM's input JSON (as a dict) that `from_vroom` reads back to the same problem.

    Jobs and vehicles get ids 1…n in problem order (the model's ids go under ``crewline.id``); skills
    become integers (1…, names under ``crewline.skills``); a crew that may not cross districts gets
    one integer skill per own district, and each job with a district requires that district's skill,
    so VROOM keeps the rule too (the crossing penalty, SLA lateness and low priority are Crewline's only).
    """
    names = sorted({s for j in problem.jobs for s in j.skills} | {s for c in problem.crews for s in c.skills})
    skill_no = {s: k + 1 for k, s in enumerate(names)}
    districts = sorted({j.district for j in problem.jobs if j.district is not None})
    fenced = any(not c.may_cross_districts and c.districts for c in problem.crews)
    district_no = {d: len(names) + 1 + k for k, d in enumerate(districts)} if fenced else {}
    all_districts = set(district_no.values())
    jobs = []
    for k, j in enumerate(problem.jobs):
        ext: dict[str, Any] = {"id": j.id, "priority": j.priority.value, "skills": sorted(j.skills)}
        if j.district is not None:
            ext["district"] = j.district
        if j.due_s is not None:
            ext["due"] = j.due_s
        doc: dict[str, Any] = {
            "id": k + 1,
            "location_index": j.location,
            "service": j.service_s,
            "delivery": [j.demand],
            "skills": sorted(skill_no[s] for s in j.skills)
            + ([district_no[j.district]] if j.district in district_no else []),
            "priority": _PRIORITY_NUMBER[j.priority],
            "crewline": ext,
        }
        if j.time_windows:
            doc["time_windows"] = [[w.start_s, w.end_s] for w in j.time_windows]
        jobs.append(doc)
    index = problem.job_index()
    vehicles = []
    for k, c in enumerate(problem.crews):
        own = {district_no[d] for d in c.districts if d in district_no} if c.districts else all_districts
        v_skills = sorted(skill_no[s] for s in c.skills) + sorted(
            own if not c.may_cross_districts else all_districts
        )
        ext = {
            "id": c.id,
            "skills": sorted(c.skills),
            "districts": sorted(c.districts),
            "may_cross_districts": c.may_cross_districts,
            "locked": [index[j] + 1 for j in c.locked],
        }
        if c.cross_district_penalty is not None:
            ext["cross_district_penalty"] = c.cross_district_penalty
        vdoc: dict[str, Any] = {
            "id": k + 1,
            "start_index": c.start_location,
            "end_index": c.end_location,
            "time_window": [c.shift.start_s, c.shift.end_s],
            "skills": v_skills,
            "breaks": [
                {
                    "id": b + 1,
                    "time_windows": [[br.window.start_s, br.window.end_s]],
                    "service": br.duration_s,
                }
                for b, br in enumerate(c.breaks)
            ],
            "costs": {"fixed": c.costs.fixed, "per_hour": c.costs.per_hour, "per_km": c.costs.per_km},
            "crewline": ext,
        }
        if c.capacity is not None:
            vdoc["capacity"] = [c.capacity]
        vehicles.append(vdoc)
    w = problem.weights
    return {
        "vehicles": vehicles,
        "jobs": jobs,
        "matrices": {
            "car": {"durations": problem.travel_s.array.tolist(), "distances": problem.dist_m.array.tolist()}
        },
        "crewline": {"weights": {f.name: getattr(w, f.name) for f in fields(Weights)}},
    }
