"""The shared input types (shared.text, shared.integers) and body parser (shared.json_body), without a server."""

from __future__ import annotations

import unicodedata
from typing import Annotated

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, Field, ValidationError

from shared.errors import ProblemError, ValidationProblem
from shared.integers import INT32_MAX, INT64_MAX, Int32, Int64
from shared.json_body import MAX_DEPTH, load_json, nul_parameters, nul_pointers
from shared.text import BIDI_CONTROLS, Name, clean_line, clean_text, multi_line, single_line


def _is_control(char: str) -> bool:
    return unicodedata.category(char) == "Cc" or char in BIDI_CONTROLS or char in "\u2028\u2029"


no_nul = st.text(alphabet=st.characters(blacklist_characters="\x00"), max_size=80)


@given(no_nul)
def test_a_cleaned_line_has_no_control_or_bidi_character_and_cleaning_again_changes_nothing(text: str) -> None:
    line = clean_line(text)
    assert not any(_is_control(char) for char in line)
    assert clean_line(line) == line


@given(no_nul)
def test_cleaned_text_keeps_only_newline_and_tab_of_the_controls(text: str) -> None:
    cleaned = clean_text(text)
    assert {char for char in cleaned if _is_control(char)} <= {"\n", "\t"}
    assert clean_text(cleaned) == cleaned
    # Nothing printable is lost: the same letters in the same order.
    assert [c for c in cleaned if not _is_control(c)] == [c for c in text if not _is_control(c)]


@given(st.text(max_size=20), st.text(max_size=20))
def test_nul_anywhere_is_refused_with_its_own_code(before: str, after: str) -> None:
    class Model(BaseModel):
        name: Name
        description: Annotated[str, *multi_line(100)] = ""

    for field in ("name", "description"):
        body = {"name": "Anna", field: before + "\x00" + after}
        with pytest.raises(ValidationError) as caught:
            Model.model_validate(body)
        assert [(e["loc"], e["type"]) for e in caught.value.errors()] == [((field,), "string_nul")]


def test_a_bidi_override_cannot_turn_a_name_around() -> None:
    class Model(BaseModel):
        name: Name
        title: Annotated[str, *single_line(50)] = ""

    spoof = Model.model_validate({"name": "\u202eBA städ ulaF\u202c", "title": "VD\u2066\u2067\x1b[2J\r\n"})
    assert spoof.name == "BA städ ulaF"
    assert spoof.title == "VD[2J"
    # A name of nothing but controls is empty after cleaning, so too short.
    with pytest.raises(ValidationError) as caught:
        Model.model_validate({"name": "\u202e\u200f\x07"})
    assert caught.value.errors()[0]["type"] == "string_too_short"


def test_lengths_count_the_cleaned_text_and_the_schema_states_them() -> None:
    Short = Annotated[str, *single_line(3, min_length=1)]

    class Model(BaseModel):
        name: Short

    assert Model.model_validate({"name": "\u202eabc\u202c"}).name == "abc"
    with pytest.raises(ValidationError) as caught:
        Model.model_validate({"name": "abcd"})
    assert caught.value.errors()[0]["type"] == "string_too_long"
    assert Model.model_json_schema()["properties"]["name"] == {
        "maxLength": 3,
        "minLength": 1,
        "title": "Name",
        "type": "string",
    }


@given(st.integers())
def test_integer_types_take_what_their_column_holds_and_nothing_more(value: int) -> None:
    class Model(BaseModel):
        small: Int32 | None = Field(default=None, ge=0)
        big: Int64 | None = None

    for field, low, high in (("small", 0, INT32_MAX), ("big", -(2**63), INT64_MAX)):
        if low <= value <= high:
            assert getattr(Model.model_validate({field: value}), field) == value
        else:
            with pytest.raises(ValidationError):
                Model.model_validate({field: value})
    properties = Model.model_json_schema()["properties"]
    assert properties["small"]["anyOf"][0] == {"type": "integer", "minimum": 0, "maximum": INT32_MAX}
    assert properties["big"]["anyOf"][0]["maximum"] == INT64_MAX


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
        b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1),
        b'{"value": NaN}',
        b'{"value": -Infinity}',
        b'{"turnover_sek": ' + b"9" * 5000 + b"}",
        b"\xff",
    ],
    ids=["deep-array", "deep-object", "just-too-deep", "nan", "infinity", "5000-digits", "not-utf8"],
)
def test_bodies_that_are_not_acceptable_json_are_a_400(raw: bytes) -> None:
    with pytest.raises(ProblemError) as caught:
        load_json(raw)
    assert caught.value.status == 400
    assert caught.value.slug == "malformed-json"


def test_as_deep_as_allowed_is_fine() -> None:
    depth = MAX_DEPTH
    assert load_json(b"[" * depth + b"]" * depth) is not None


def test_nul_in_any_string_of_a_body_is_a_422_naming_each_place() -> None:
    with pytest.raises(ValidationProblem) as caught:
        load_json(b'{"name": "ok", "contacts": [{"email": "a\\u0000@b.se"}], "k\\u0000": 1, "x": ["\\u0000"]}')
    assert [(e.pointer, e.code) for e in caught.value.errors] == [
        ("/contacts/0/email", "string_nul"),
        ("/k\ufffd", "string_nul"),
        ("/x/0", "string_nul"),
    ]
    assert nul_pointers({"a~b": {"c/d": "\x00"}}) == ["/a~0b/c~1d"]


def test_nul_in_a_query_parameter_names_the_parameter() -> None:
    errors = nul_parameters([("q", "städ\x00"), ("limit", "10"), ("x\x00", "1")])
    assert [(e.parameter, e.code) for e in errors] == [("q", "string_nul"), ("x\ufffd", "string_nul")]
