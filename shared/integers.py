"""Integer types bounded by the PostgreSQL column they land in, so a too-large number is a 422, not a 500.

JSON numbers have no size limit and Python's ints none either, but ``integer`` holds ±2^31 and ``bigint``
±2^63: asyncpg refuses anything larger when it encodes the query, which used to surface as a 500. Each
request field that is stored in (or compared with) an integer column takes one of these types; a
field's own ``ge``/``le``/``gt`` narrows it further and both limits appear in the OpenAPI schema as
``minimum``/``maximum``.

Examples
--------
>>> from pydantic import BaseModel, Field
>>> class Query(BaseModel):
...     value_min: Int64 | None = Field(default=None, ge=0)
>>> Query.model_json_schema()["properties"]["value_min"]["anyOf"][0]
{'maximum': 9223372036854775807, 'minimum': 0, 'type': 'integer'}
>>> from pydantic import ValidationError
>>> try:
...     Query.model_validate({"value_min": 2**63})
... except ValidationError as error:
...     print(error.errors()[0]["type"])
less_than_equal
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

__all__ = ["INT32_MAX", "INT64_MAX", "Int32", "Int64"]

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1

Int32 = Annotated[int, Field(ge=-(2**31), le=INT32_MAX)]
"""Fits PostgreSQL ``integer`` (versions, slots, tables, counts)."""

Int64 = Annotated[int, Field(ge=-(2**63), le=INT64_MAX)]
"""Fits PostgreSQL ``bigint`` (amounts in SEK, feed ids)."""
