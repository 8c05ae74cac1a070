"""The one place a JSON request body becomes Python data, so its rules hold for every route.

- Not JSON, ``NaN``/``Infinity`` (not JSON, though Python reads them), or nested deeper than
  :data:`MAX_DEPTH` → 400 ``malformed-json``. (Python's parser recurses: 100,000 ``[`` would be a
  ``RecursionError``; no body of ours is more than a dozen levels deep.)
- A NUL character (U+0000) in any string, key or value, even of a field typed as plain ``str`` → 422
  ``string_nul`` with the pointer of each: PostgreSQL can store NUL neither in text nor in jsonb.

Query strings pass the same NUL rule in :func:`shared.web.read_query` (see :func:`nul_parameters`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from shared.errors import FieldError, ProblemError, ValidationProblem, json_pointer
from shared.text import NUL_CODE, NUL_DETAIL

MAX_DEPTH = 64
MAX_REPORTED = 100  # NUL pointers listed in one answer


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not a JSON value")


def malformed(detail: str) -> ProblemError:
    """The 400 problem for a body that is not (acceptable) JSON."""
    return ProblemError(f"The body is not valid JSON: {detail}", status=400, slug="malformed-json")


def nul_pointers(data: Any, *, max_depth: int = MAX_DEPTH) -> list[str]:
    """Pointers (RFC 6901) of the strings in ``data`` that hold NUL; raise ValueError past ``max_depth``.

    A key holding NUL is reported at the key's own pointer. Iterative, so depth costs no stack.

    Examples
    --------
    >>> nul_pointers({"name": "A\\x00", "contacts": [{"title": "ok"}, {"email": "\\x00"}]})
    ['/name', '/contacts/1/email']
    >>> nul_pointers([[[1]]], max_depth=2)
    Traceback (most recent call last):
    ...
    ValueError: nested deeper than 2 levels
    """
    found: list[str] = []
    # (value, location, whether its key holds NUL): keys are reported where their value is, in document order
    stack: list[tuple[Any, tuple[str | int, ...], bool]] = [(data, (), False)]
    while stack:
        value, location, bad_key = stack.pop()
        if bad_key:
            found.append(json_pointer(location))
        if isinstance(value, str):
            if "\x00" in value and not bad_key:
                found.append(json_pointer(location))
            continue
        if not isinstance(value, dict | list):
            continue
        if len(location) >= max_depth:
            raise ValueError(f"nested deeper than {max_depth} levels")
        items: Iterable[tuple[str | int, Any]] = value.items() if isinstance(value, dict) else enumerate(value)
        children = []
        for key, child in items:
            if isinstance(key, str) and "\x00" in key:
                # The pointer names the key without repeating the NUL (U+FFFD stands in for it).
                children.append((child, (*location, key.replace("\x00", "\ufffd")), True))
            else:
                children.append((child, (*location, key), False))
        stack.extend(reversed(children))  # depth first, in document order
    return found


def nul_errors(pointers: list[str]) -> list[FieldError]:
    """``string_nul`` field errors for the pointers (at most :data:`MAX_REPORTED`)."""
    return [FieldError(pointer=pointer, code=NUL_CODE, detail=NUL_DETAIL) for pointer in pointers[:MAX_REPORTED]]


def load_json(raw: bytes | str) -> Any:
    """Parse a request body, or raise the 400 (malformed, too deep) or 422 (NUL) problem.

    Examples
    --------
    >>> load_json(b'{"name": "Falu St\\\\u00e4d AB"}')
    {'name': 'Falu Städ AB'}
    >>> load_json(b"[" * 100_000 + b"]" * 100_000)
    Traceback (most recent call last):
    ...
    shared.errors.ProblemError: The body is not valid JSON: nested deeper than 64 levels.
    >>> load_json(b'{"name": "\\\\u0000"}')
    Traceback (most recent call last):
    ...
    shared.errors.ValidationProblem: The request has 1 invalid field.
    """
    try:
        data = json.loads(raw, parse_constant=_not_json)
    except RecursionError:
        raise malformed(f"nested deeper than {MAX_DEPTH} levels.") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise malformed(str(error)) from None
    try:
        pointers = nul_pointers(data)
    except ValueError as error:
        raise malformed(f"{error}.") from None
    if pointers:
        raise ValidationProblem(nul_errors(pointers))
    return data


def nul_parameters(query: Mapping[str, str] | Iterable[tuple[str, str]]) -> list[FieldError]:
    """``string_nul`` errors for query parameters whose name or value holds NUL, one per name.

    Examples
    --------
    >>> [e.parameter for e in nul_parameters([("q", "a\\x00"), ("limit", "5"), ("q", "b")])]
    ['q']
    """
    pairs = query.items() if isinstance(query, Mapping) else query
    names = dict.fromkeys(name.replace("\x00", "\ufffd") for name, value in pairs if "\x00" in name + value)
    return [FieldError(parameter=name, code=NUL_CODE, detail=NUL_DETAIL) for name in names]
