"""Crewline's optimisation core: typed, immutable problems in, typed plans out. Pure: no I/O.

Model (`engine.model`): `Problem`, `Job`, `Crew`, `Break`, `TimeWindow`, `CrewCosts`, `Matrix`,
`Weights`, `Priority`. Plan (`engine.plan`): `Plan`, `Route`, `Step`, `StepKind`, `Unassigned`,
`UnassignedReason`, `Cost`. Use cases: `solve(problem, options)` (`engine.solve`), `insert_job(problem,
plan, job_id)` (`engine.insert`), `resolve(problem, plan, options)` (warm re-solve, `engine.solve`).
Wire format (VROOM JSON ↔ model): `engine.wire`. Errors: `engine.errors`.
"""

from engine.errors import EngineError, ModelError, NoSolutionError
from engine.model import Break, Crew, CrewCosts, Job, Matrix, Priority, Problem, TimeWindow, Weights
from engine.plan import Cost, Plan, Route, Step, StepKind, Unassigned, UnassignedReason

__all__ = [
    "Break",
    "Cost",
    "Crew",
    "CrewCosts",
    "EngineError",
    "Job",
    "Matrix",
    "ModelError",
    "NoSolutionError",
    "Plan",
    "Priority",
    "Problem",
    "Route",
    "Step",
    "StepKind",
    "TimeWindow",
    "Unassigned",
    "UnassignedReason",
    "Weights",
]
