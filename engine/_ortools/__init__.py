"""Private: every OR-Tools import of the engine lives in this package."""

from engine._ortools.routing import RawSolution, SearchConfig, search

__all__ = ["RawSolution", "SearchConfig", "search"]
