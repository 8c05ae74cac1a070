"""Every Swedish text the pages show has an English translation, in each context it is used in, and the
catalogues parse; a word with two meanings is translated as meant in each."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir

from services.web import i18n

WEB = Path(i18n.__file__).parent
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
# (1, "c") names the context argument: pgettext in templates and code, NP_ where a text is defined.
KEYWORDS = {
    "_": None,
    "N_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "NP_": ((1, "c"), 2),
}
Key = tuple[str | None, str]


def occurrences() -> list[tuple[Key, str]]:
    """Each wrapped (context or None, text) with the file and line, every time it occurs."""
    found: list[tuple[Key, str]] = []
    for filename, lineno, message, _comments, context in extract_from_dir(
        WEB, METHODS, options_map=OPTIONS, keywords=KEYWORDS
    ):
        for text in message if isinstance(message, tuple) else (message,):
            if text:
                found.append(((context, text), f"{filename}:{lineno}"))
    return found


def swedish_texts() -> dict[Key, str]:
    """Each wrapped (context or None, text) with the file and line where it first occurs."""
    found: dict[Key, str] = {}
    for key, where in occurrences():
        found.setdefault(key, where)
    return found


def test_texts_are_found_in_templates_and_code() -> None:
    texts = swedish_texts()
    # From templates, from handlers, and texts marked where they are defined (N_).
    plain = {text for context, text in texts if context is None}
    assert {"Logga in", "Fyll i din e-postadress.", "Fyll i det här fältet.", "Sidan finns inte"} <= plain
    assert len(texts) > 20
    # With a context: pgettext in a template (the need form's procurement stage), NP_ in code.
    files = {(key, where.split(":")[0].rsplit("/", 1)[-1]) for key, where in occurrences()}
    assert (("procurement stage", "Planerad"), "need_form.html") in files
    assert (("need status", "Publicerad"), "buyer_pages.py") in files


def test_every_text_has_an_english_translation() -> None:
    english = i18n.entries("en")
    missing = {key: where for key, where in swedish_texts().items() if key not in english}
    assert not missing, "no English for:\n" + "\n".join(
        f"  {where}: {text!r}" + (f" (context {context!r})" if context else "")
        for (context, text), where in sorted(missing.items(), key=lambda item: (item[0][1], item[0][0] or ""))
    )


def test_placeholders_survive_translation() -> None:
    import re

    placeholder = re.compile(r"%\((\w+)\)[sd]")
    for (_context, swedish), english in i18n.entries("en").items():
        assert set(placeholder.findall(swedish)) == set(placeholder.findall(english)), swedish
