"""Every Swedish text the pages show has an English translation, and the catalogues parse."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir

from services.web import i18n

WEB = Path(i18n.__file__).parent
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}


def swedish_texts() -> dict[str, str]:
    """Each wrapped text with the file and line where it first occurs."""
    found: dict[str, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        WEB, METHODS, options_map=OPTIONS, keywords=KEYWORDS
    ):
        for text in message if isinstance(message, tuple) else (message,):
            if text:
                found.setdefault(text, f"{filename}:{lineno}")
    return found


def test_texts_are_found_in_templates_and_code() -> None:
    texts = swedish_texts()
    # From templates, from handlers, and texts marked where they are defined (N_).
    assert {"Logga in", "Fyll i din e-postadress.", "Fyll i det här fältet.", "Sidan finns inte"} <= set(texts)
    assert len(texts) > 20


def test_every_text_has_an_english_translation() -> None:
    english = i18n.catalogue("en")
    missing = {text: where for text, where in swedish_texts().items() if text not in english}
    assert not missing, "no English for:\n" + "\n".join(
        f"  {where}: {text!r}" for text, where in sorted(missing.items())
    )


def test_placeholders_survive_translation() -> None:
    import re

    placeholder = re.compile(r"%\((\w+)\)[sd]")
    for swedish, english in i18n.catalogue("en").items():
        assert set(placeholder.findall(swedish)) == set(placeholder.findall(english)), swedish
