"""Tracking codes citizens read over the phone: short, no look-alike characters, with a check letter."""

from __future__ import annotations

import secrets

# No 0/O, 1/I/L, 2/Z, 5/S, 8/B: nothing a caller can mishear or misread.
ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"
BODY = 7


def _check(body: str) -> str:
    total = sum((i + 1) * ALPHABET.index(ch) for i, ch in enumerate(body))
    return ALPHABET[total % len(ALPHABET)]


def new_code() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY))
    code = body + _check(body)
    return f"{code[:4]}-{code[4:]}"


def normalise(code: str) -> str | None:
    """The canonical `XXXX-XXXX` form of a typed code, or None when it cannot be one of ours."""
    raw = "".join(ch for ch in code.upper() if ch.isalnum())
    if len(raw) != BODY + 1 or any(ch not in ALPHABET for ch in raw):
        return None
    if _check(raw[:BODY]) != raw[BODY]:
        return None
    return f"{raw[:4]}-{raw[4:]}"
