"""Domain errors raised by the engine.

`ModelError` is raised for invalid input and always names the record (job, crew, matrix…) and the
field at fault, with a sentence saying what to change.
"""

from __future__ import annotations


class EngineError(Exception):
    """Base class of every error the engine raises on purpose."""


class ModelError(EngineError, ValueError):
    """An invalid problem: names the record kind, its id and the field, and says what to do."""

    def __init__(self, record: str, record_id: str | None, field: str, message: str) -> None:
        self.record = record
        self.record_id = record_id
        self.field = field
        self.message = message
        where = f"{record} {record_id!r}" if record_id is not None else record
        super().__init__(f"{where}, field {field!r}: {message}")

    def __reduce__(self) -> tuple[type[ModelError], tuple[str, str | None, str, str]]:
        return (ModelError, (self.record, self.record_id, self.field, self.message))


class NoSolutionError(EngineError):
    """The solver found no solution at all (for example locked steps that cannot be kept)."""
