"""Reading one file of a city data folder into typed records, turning every problem into a
`CityDataError` that names the file, the record (index and id) and the field."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar

import msgspec

from dispatch_api.citydata.errors import CityDataError

T = TypeVar("T")

_AT = re.compile(r"^(?P<problem>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.S)
_MISSING = re.compile(r"Object missing required field `(?P<field>[^`]+)`")
CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _path_to_field(path: str) -> str:
    """msgspec's `.shift.start` / `[3].id` / `.tickets[4]` → 'shift.start' / '[3].id'."""
    return path[1:] if path.startswith(".") else path


def read_bytes(folder: Path, name: str) -> bytes:
    path = folder / name
    if not path.is_file():
        raise CityDataError(
            name,
            f"file is missing from {folder}",
            hint="add it (see docs/city-data.md) or point CREWLINE_CITY_DIR at a complete folder",
        )
    return path.read_bytes()


def read_json(folder: Path, name: str) -> Any:
    raw = read_bytes(folder, name)
    try:
        return msgspec.json.decode(raw)
    except msgspec.DecodeError as exc:
        raise CityDataError(name, f"is not valid JSON ({exc})") from None


def convert_record(
    file: str, index: int | None, raw: Any, kind: type[T], id_field: str = "id", prefix: str = ""
) -> T:
    """One record into its Struct; a type or missing-field error names the record and the field."""
    record_id = raw.get(id_field) if isinstance(raw, dict) else None
    try:
        return msgspec.convert(raw, kind)
    except msgspec.ValidationError as exc:
        text = str(exc)
        missing = _MISSING.match(text)
        if missing:
            inner = _AT.match(text)
            path = inner.group("path") if inner and inner.group("path") else ""
            field: str | None = _path_to_field(path + "." + missing.group("field"))
            problem = "required field is missing"
        else:
            match = _AT.match(text)
            assert match is not None
            field = _path_to_field(match.group("path") or "") or None
            problem = match.group("problem")
        if prefix and field is not None:
            field = f"{prefix}.{field}"
        elif prefix:
            field = prefix
        raise CityDataError(file, problem, index=index, record_id=record_id, field=field) from None


def convert_list(file: str, raw: Any, kind: type[T], id_field: str = "id", key: str | None = None) -> list[T]:
    """A JSON array of records (optionally under `key` of an object) into Structs."""
    items = raw
    if not isinstance(items, list):
        where = f"'{key}'" if key else "the file"
        raise CityDataError(
            file, f"{where} must be a JSON array of records, got {type(items).__name__}", field=key
        )
    out = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise CityDataError(
                file, f"record must be a JSON object, got {type(item).__name__}", index=index, field=key
            )
        out.append(convert_record(file, index, item, kind, id_field, prefix=f"{key}[{index}]" if key else ""))
    return out


def unique_ids(file: str, records: Iterable[Any], attr: str = "id") -> None:
    seen: dict[object, int] = {}
    for index, record in enumerate(records):
        value = getattr(record, attr)
        if value in seen:
            raise CityDataError(
                file,
                f"{attr} {value!r} is used again (first at record {seen[value]}); ids must be unique",
                index=index,
                record_id=value,
                field=attr,
            )
        seen[value] = index


def check(
    condition: bool,
    file: str,
    problem: str,
    *,
    index: int | None = None,
    record_id: object = None,
    field: str | None = None,
) -> None:
    if not condition:
        raise CityDataError(file, problem, index=index, record_id=record_id, field=field)


# ---- CSV -------------------------------------------------------------------------------------------

Parser = Callable[[str], Any]


def parse_int(text: str) -> int:
    return int(text)


def parse_float(text: str) -> float:
    value = float(text)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(text)
    return value


def parse_flag(text: str) -> bool:
    if text not in ("0", "1"):
        raise ValueError(text)
    return text == "1"


def parse_text(text: str) -> str:
    if not text.strip():
        raise ValueError(text)
    return text


def parse_optional_float(text: str) -> float | None:
    return None if text == "" else parse_float(text)


_EXPECTED: dict[Parser, str] = {
    parse_int: "an integer",
    parse_float: "a number",
    parse_flag: "0 or 1",
    parse_text: "non-empty text",
    parse_optional_float: "a number or empty",
}


def read_csv(
    folder: Path,
    name: str,
    columns: Mapping[str, Parser],
    optional: Iterable[str] = (),
    id_column: str = "id",
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (record index, typed row) for every data row; the header must name every column."""
    text = read_bytes(folder, name).decode("utf-8-sig")
    reader = csv.reader(text.splitlines())
    header = next(reader, None)
    if header is None:
        raise CityDataError(name, "file is empty; it needs a header row: " + ",".join(columns))
    optional = set(optional)
    missing = [c for c in columns if c not in header and c not in optional]
    if missing:
        raise CityDataError(
            name,
            f"header lacks column(s) {', '.join(missing)}; expected " + ",".join(columns),
            field=missing[0],
        )
    positions = {c: header.index(c) for c in columns if c in header}
    for index, row in enumerate(reader):
        if not row:
            continue
        raw_id = row[positions[id_column]] if positions[id_column] < len(row) else None
        record_id: object = int(raw_id) if raw_id is not None and raw_id.isdigit() else raw_id
        if len(row) != len(header):
            raise CityDataError(
                name,
                f"has {len(row)} values but the header has {len(header)} (line {index + 2})",
                index=index,
                record_id=record_id,
            )
        values: dict[str, Any] = {}
        for column, position in positions.items():
            cell = row[position]
            parser = columns[column]
            try:
                values[column] = parser(cell)
            except ValueError:
                raise CityDataError(
                    name,
                    f"{cell!r} is not {_EXPECTED.get(parser, 'valid')} (line {index + 2})",
                    index=index,
                    record_id=record_id,
                    field=column,
                ) from None
        for column in optional:
            values.setdefault(column, None)
        yield index, values
