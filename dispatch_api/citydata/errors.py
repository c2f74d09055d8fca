"""The one error a malformed city data folder raises."""

from __future__ import annotations

REGENERATE_HINT = "fix the file, or regenerate the sample city with `python -m fixtures.generate`"


class CityDataError(ValueError):
    """A city data file is missing or malformed.

    The message names the file, the record (its index and id) and the field, and says what to do;
    the parts are also kept as attributes for callers that want to show them separately.
    """

    def __init__(
        self,
        file: str,
        problem: str,
        *,
        index: int | None = None,
        record_id: object = None,
        field: str | None = None,
        hint: str = REGENERATE_HINT,
    ) -> None:
        self.file = file
        self.index = index
        self.record_id = record_id
        self.field = field
        self.problem = problem
        where = file
        if index is not None:
            where += f": record {index}"
            if record_id is not None:
                where += f" (id {record_id!r})"
        if field is not None:
            where += f", field '{field}'"
        super().__init__(f"{where}: {problem}; {hint}")
