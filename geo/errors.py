"""Errors raised by the geo package, each carrying a message a person can act on."""

from __future__ import annotations


class GeoError(Exception):
    """Base class of every error raised by ``geo``."""


class GeoDataError(GeoError):
    """A geodata file (or an in-memory table standing for one) is malformed.

    The message names the file and, when known, the feature/row and field at fault.
    """

    def __init__(self, source: str, message: str, *, feature: str | None = None) -> None:
        self.source = source
        self.feature = feature
        where = f"{source}: {feature}: " if feature else f"{source}: "
        super().__init__(where + message)


class SnapError(GeoError):
    """A point lies farther from the road graph than the allowed maximum."""

    def __init__(self, message: str, *, indices: tuple[int, ...] = ()) -> None:
        self.indices = indices
        super().__init__(message)


class DistrictError(GeoError):
    """District polygons cannot form a usable index (e.g. unrepairable rings, duplicate codes)."""


class NoRouteError(GeoError, ValueError):
    """No route joins two points under the given conditions (closures cut them apart)."""
