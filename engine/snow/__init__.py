"""Snow emergency engine: equipment reallocation between districts and plow routes by tier.

Pure: plain typed inputs (district work, units with move times, travel-time matrices over places)
in, typed plans out; OR-Tools lives in the private `engine.snow._ortools` package.
"""

from engine.snow.arcs import (
    UNREACHABLE,
    Plow,
    PlowPlan,
    PlowRoute,
    PlowRouteError,
    PlowRouteProblem,
    PlowStep,
    RequiredSegment,
    Traversal,
    lower_bound_s,
    tier_order_ok,
)
from engine.snow.baseline import nearest_neighbour
from engine.snow.clearing import clear_time_s
from engine.snow.plow_routes import plan_plow_routes
from engine.snow.policy import (
    TIERS,
    TierWork,
    active_tiers,
    district_work,
    passes_for_snowfall,
    replow_interval_s,
)
from engine.snow.reallocation import (
    DistrictClearance,
    DistrictNeed,
    Move,
    ReallocationError,
    ReallocationPlan,
    ReallocationProblem,
    Unit,
    reallocate,
)
from engine.snow.schedule import Pass, PassSchedule, TierService, repeat_passes

__all__ = [
    "TIERS",
    "UNREACHABLE",
    "DistrictClearance",
    "DistrictNeed",
    "Move",
    "Pass",
    "PassSchedule",
    "Plow",
    "PlowPlan",
    "PlowRoute",
    "PlowRouteError",
    "PlowRouteProblem",
    "PlowStep",
    "ReallocationError",
    "ReallocationPlan",
    "ReallocationProblem",
    "RequiredSegment",
    "TierService",
    "TierWork",
    "Traversal",
    "Unit",
    "active_tiers",
    "clear_time_s",
    "district_work",
    "lower_bound_s",
    "nearest_neighbour",
    "passes_for_snowfall",
    "plan_plow_routes",
    "reallocate",
    "repeat_passes",
    "replow_interval_s",
    "tier_order_ok",
]
