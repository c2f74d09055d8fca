"""Private: the PyVRP search, used beside OR-Tools for problems PyVRP models completely.

Every PyVRP import of the engine lives in this package.
"""

from engine._pyvrp.search import search, supports

__all__ = ["search", "supports"]
