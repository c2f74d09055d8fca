"""Address search for the intake form: the city's street names, Persian or English, with a point."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from dispatch_api.services.streets import street_layer

# Arabic letters Persian keyboards may produce, written the Persian way; ZWNJ and tatweel dropped.
_FOLD = str.maketrans(
    {
        "ي": "ی", "ى": "ی", "ك": "ک", "ة": "ه", "أ": "ا", "إ": "ا", "\u200c": " ", "ـ": "",
        **{chr(0x06F0 + d): str(d) for d in range(10)},
        **{chr(0x0660 + d): str(d) for d in range(10)},
    }
)  # fmt: skip
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """A form of a name or query that ignores case, Arabic/Persian letter variants and spacing."""
    return _SPACES.sub(" ", text.translate(_FOLD).casefold()).strip()


@dataclass(frozen=True)
class StreetHit:
    street_id: int
    name_fa: str
    name_en: str
    road_class: str
    lon: float
    lat: float


@dataclass(frozen=True)
class StreetIndex:
    streets: tuple[StreetHit, ...]
    folded: tuple[str, ...]

    def search(self, query: str, limit: int = 8) -> list[StreetHit]:
        """Names starting with the query first, then names containing it; shorter names first."""
        q = fold(query)
        if not q:
            return []
        ranked: list[tuple[int, int, int]] = []
        for i, text in enumerate(self.folded):
            pos = text.find(q)
            if pos < 0:
                continue
            word_start = pos == 0 or text[pos - 1] == " "
            ranked.append((0 if word_start else 1, len(text), i))
        ranked.sort()
        return [self.streets[i] for _, _, i in ranked[:limit]]


@lru_cache(maxsize=4)
def street_index(folder: Path) -> StreetIndex:
    """One point per named street: the midpoint of its middle segment (on the street itself)."""
    layer = street_layer(folder)
    order = np.argsort(layer.street_id, kind="stable")
    ids = layer.street_id[order]
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    ends = np.r_[starts[1:], len(ids)]
    hits: list[StreetHit] = []
    folded: list[str] = []
    for start, end in zip(starts, ends, strict=True):
        street_id = int(ids[start])
        if street_id not in layer.names:
            continue
        middle = int(order[(start + end - 1) // 2])
        fa, en = layer.names[street_id]
        hits.append(
            StreetHit(
                street_id=street_id,
                name_fa=fa,
                name_en=en,
                road_class=layer.classes[int(layer.road_class[middle])],
                lon=round(float(layer.lon0[middle] + layer.lon1[middle]) / 2, 6),
                lat=round(float(layer.lat0[middle] + layer.lat1[middle]) / 2, 6),
            )
        )
        folded.append(f"{fold(fa)} | {fold(en)}")
    return StreetIndex(tuple(hits), tuple(folded))
