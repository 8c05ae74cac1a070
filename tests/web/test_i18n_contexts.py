"""Catalogues through gettext with contexts: the same Swedish word meant two ways gets two English words,
every ``.po`` of the folder is loaded and merged, and templates and code both reach the contexts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from services.web import i18n
from services.web.render import template_environment

HEADER = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Language: en\\n"\n\n'


def _clear_caches() -> None:
    for cached in (i18n.translations, i18n.entries, i18n.catalogue, i18n._parsed):
        cached.cache_clear()


@pytest.fixture
def english() -> Iterator[None]:
    token = i18n.current_language.set("en")
    yield
    i18n.current_language.reset(token)


@pytest.fixture
def locale_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A locale folder of our own in place of the real one (the caches are emptied before and after)."""
    (tmp_path / "en").mkdir()
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    _clear_caches()
    yield tmp_path / "en"
    monkeypatch.undo()
    _clear_caches()


def test_one_swedish_word_in_two_contexts_is_two_english_words(locale_dir: Path, english: None) -> None:
    (locale_dir / "needs.po").write_text(
        HEADER + 'msgctxt "need status"\nmsgid "Publicerad"\nmsgstr "Advertised"\n\n'
        'msgctxt "schedule version"\nmsgid "Publicerad"\nmsgstr "Sent out"\n\n'
        'msgid "Publicerad"\nmsgstr "Published"\n',
        encoding="utf-8",
    )
    assert i18n.pgettext("need status", "Publicerad") == "Advertised"
    assert i18n.pgettext("schedule version", "Publicerad") == "Sent out"
    assert i18n.gettext("Publicerad") == "Published"
    # Marked where defined, translated where shown: the context travels with the text.
    assert i18n.gettext(i18n.NP_("schedule version", "Publicerad")) == "Sent out"
    assert i18n.NP_("need status", "Publicerad") == "Publicerad"  # still the Swedish text itself
    # A context the catalogue lacks is not given another meaning's English: it stays Swedish.
    assert i18n.pgettext("meeting", "Publicerad") == "Publicerad"
    assert i18n.entries("en") == {
        ("need status", "Publicerad"): "Advertised",
        ("schedule version", "Publicerad"): "Sent out",
        (None, "Publicerad"): "Published",
    }
    assert i18n.catalogue("en") == {"Publicerad": "Published"}


def test_swedish_pages_are_the_texts_themselves(locale_dir: Path) -> None:
    (locale_dir / "needs.po").write_text(HEADER + 'msgctxt "need status"\nmsgid "Publicerad"\nmsgstr "Advertised"\n')
    assert i18n.current_language.get() == "sv"
    assert i18n.pgettext("need status", "Publicerad") == "Publicerad"
    assert i18n.gettext(i18n.NP_("need status", "Publicerad")) == "Publicerad"
    assert i18n.gettext("%(n)s möten", n=3) == "3 möten"


def test_every_po_file_of_the_folder_is_loaded_and_merged(locale_dir: Path, english: None) -> None:
    (locale_dir / "a.po").write_text(HEADER + 'msgid "Logga in"\nmsgstr "Sign in"\n\nmsgid "Spara"\nmsgstr "Keep"\n')
    (locale_dir / "b.po").write_text(
        HEADER + 'msgid "Spara"\nmsgstr "Save"\n\n'
        'msgctxt "need status"\nmsgid "Utkast"\nmsgstr "Draft"\n\n'
        '#, fuzzy\nmsgid "Avbryt"\nmsgstr "Abort"\n\n'
        'msgid "Tom"\nmsgstr ""\n\n'
        '#, python-format\nmsgid "%(n)s möten"\nmsgstr "%(n)s meetings"\n'
    )
    assert i18n.gettext("Logga in") == "Sign in"  # from a.po
    assert i18n.gettext("Spara") == "Save"  # the later file wins
    assert i18n.pgettext("need status", "Utkast") == "Draft"
    assert i18n.gettext("%(n)s möten", n=4) == "4 meetings"
    # Unreviewed (fuzzy) and empty entries show the Swedish text, as gettext does.
    assert i18n.gettext("Avbryt") == "Avbryt" and i18n.gettext("Tom") == "Tom"
    assert (None, "Avbryt") not in i18n.entries("en") and (None, "Tom") not in i18n.entries("en")
    # The compiled catalogue keeps its header under the empty text; an empty text stays empty.
    assert i18n.gettext("") == ""


def test_the_real_catalogue_tells_the_meanings_apart(english: None) -> None:
    assert i18n.pgettext("need status", "Publicerad") == "Advertised"
    assert i18n.gettext("Publicerad") == "Published"  # a schedule version
    assert i18n.pgettext("procurement stage", "Planerad") == "Planned"
    assert i18n.gettext("Utkast – syns bara för er") == "Draft – only you can see it"
    assert i18n.gettext("Synlig för företagen") == "Visible to firms"


def test_templates_have_pgettext(english: None) -> None:
    env = template_environment()
    page = env.from_string('{{ pgettext("need status", "Publicerad") }} / {{ _("Publicerad") }}').render()
    assert page == "Advertised / Published"
    swedish = i18n.current_language.set("sv")
    try:
        assert env.from_string('{{ pgettext("need status", "Publicerad") }}').render() == "Publicerad"
    finally:
        i18n.current_language.reset(swedish)
