"""The wire format: VROOM JSON in, VROOM JSON out; the documented example is solved by the CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from dispatch_api.cli import main
from engine import ModelError
from engine.solve import SolveOptions, solve
from engine.wire import from_vroom, to_vroom

REPO = Path(__file__).resolve().parents[2]


def doc_example() -> dict[str, Any]:
    text = (REPO / "docs" / "engine-format.md").read_text(encoding="utf-8")
    m = re.search(r"<!-- example:problem -->\s*```json\n(.*?)```", text, re.S)
    assert m, "docs/engine-format.md lost its example"
    example: dict[str, Any] = json.loads(m.group(1))
    return example


def assert_vroom_solution(sol: dict[str, Any]) -> None:
    assert sol["code"] == 0
    for key in ("cost", "routes", "unassigned", "service", "duration", "waiting_time", "distance"):
        assert isinstance(sol["summary"][key], int), key
    for route in sol["routes"]:
        assert isinstance(route["vehicle"], int)
        types = [s["type"] for s in route["steps"]]
        assert types[0] == "start" and types[-1] == "end"
        assert set(types) <= {"start", "job", "break", "end"}
        for s in route["steps"]:
            for key in ("arrival", "duration", "service", "waiting_time"):
                assert isinstance(s[key], int), key
    for u in sol["unassigned"]:
        assert isinstance(u["id"], int) and u["type"] == "job"


def test_docs_example_solved_by_the_cli(tmp_path: Path) -> None:
    problem = tmp_path / "problem.json"
    problem.write_text(json.dumps(doc_example()), encoding="utf-8")
    out = tmp_path / "plan.json"
    result = CliRunner().invoke(main, ["solve", str(problem), "--time-limit", "1", "-o", str(out)])
    assert result.exit_code == 0, result.output
    sol = json.loads(out.read_text(encoding="utf-8"))
    assert_vroom_solution(sol)
    jobs_of = {r["vehicle"]: [s["id"] for s in r["steps"] if s["type"] == "job"] for r in sol["routes"]}
    assert jobs_of[1][0] == 1  # locked first
    assert sorted(jobs_of[1]) == [1, 2]
    assert sorted(jobs_of[2]) == [3, 4]
    assert [s["type"] for s in next(r for r in sol["routes"] if r["vehicle"] == 2)["steps"]].count(
        "break"
    ) == 1
    assert sol["unassigned"] == []
    assert sol["summary"]["crewline"]["cost"]["cross_district"] == 900
    step1 = next(s for s in sol["routes"][0]["steps"] if s["type"] == "job")
    assert step1["crewline"]["locked"] is True


def test_cli_prints_to_stdout_and_reports_bad_input(tmp_path: Path) -> None:
    doc = doc_example()
    doc["jobs"][1]["time_windows"] = [[36000, 32400]]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    result = CliRunner().invoke(main, ["solve", str(bad), "--time-limit", "1"])
    assert result.exit_code != 0
    assert "job '2'" in result.output and "time_windows" in result.output
    good = tmp_path / "good.json"
    good.write_text(json.dumps(doc_example()), encoding="utf-8")
    result = CliRunner().invoke(main, ["solve", str(good), "--solution-limit", "20"])
    assert result.exit_code == 0, result.output
    assert_vroom_solution(json.loads(result.output))


def test_unassigned_reasons_travel_under_crewline_keys() -> None:
    doc = doc_example()
    doc["jobs"].append({"id": 9, "location_index": 2, "skills": [99]})
    problem, ids = from_vroom(doc)
    sol = to_vroom(problem, solve(problem, SolveOptions(time_limit_s=1, solution_limit=50)), ids)
    (u,) = sol["unassigned"]
    assert u["id"] == 9 and u["crewline"]["reason"] == "no_skill"


def test_priorities_and_extras_map_to_the_model() -> None:
    problem, ids = from_vroom(doc_example())
    jobs = {j.id: j for j in problem.jobs}
    assert jobs["3"].priority.value == "urgent"
    assert jobs["4"].priority.value == "high"
    assert jobs["2"].due_s == 33000 and jobs["2"].district == 1
    crews = {c.id: c for c in problem.crews}
    assert crews["1"].locked == ("1",) and not crews["1"].may_cross_districts
    assert crews["2"].breaks[0].duration_s == 1800
    assert problem.weights.lateness_per_s == 2
    assert ids.job("3") == 3


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d["jobs"][0].pop("location_index"), "location_index"),
        (lambda d: d["jobs"][0].update(priority=300), "priority"),
        (lambda d: d.pop("matrices"), "matrices"),
        (lambda d: d["vehicles"][0].update(time_window=[5]), "time_window"),
        (lambda d: d.update(crewline={"weights": {"speed": 3}}), "speed"),
    ],
)
def test_bad_wire_input_names_the_field(mutate: Any, field: str) -> None:
    doc = doc_example()
    mutate(doc)
    with pytest.raises(ModelError) as info:
        from_vroom(doc)
    assert info.value.field == field


def test_problem_export_reads_back_to_the_same_rules() -> None:
    from engine.wire import problem_to_vroom

    problem, _ = from_vroom(doc_example())
    again, ids = from_vroom(json.loads(json.dumps(problem_to_vroom(problem))))
    assert [j.location for j in again.jobs] == [j.location for j in problem.jobs]
    assert [j.priority for j in again.jobs] == [j.priority for j in problem.jobs]
    assert [j.due_s for j in again.jobs] == [j.due_s for j in problem.jobs]
    assert [c.locked for c in again.crews] == [c.locked for c in problem.crews]
    assert [c.breaks[0].duration_s if c.breaks else None for c in again.crews] == [
        c.breaks[0].duration_s if c.breaks else None for c in problem.crews
    ]
    # the named skills survive beside VROOM's integers, and the fenced crew keeps its district
    assert {"7"} <= {s for c in again.crews for s in c.skills}
    assert again.crews[0].districts == frozenset({1}) and not again.crews[0].may_cross_districts
    assert again.travel_s == problem.travel_s and again.dist_m == problem.dist_m
    assert ids.job("1") == 1
