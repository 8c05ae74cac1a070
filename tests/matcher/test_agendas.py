"""Agendas built from real engine runs, rendered, and read back: .ics with icalendar, PDF with pypdf, HTML
with html.parser."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from html.parser import HTMLParser
from uuid import UUID

import pypdf
import pytest
from icalendar import Calendar

from services.matcher.agendas import (
    Agendas,
    PlacedMeeting,
    agenda_ics,
    build_agendas,
    meeting_uid,
    meetings_from_engine,
    removed_meetings,
)
from services.matcher.agendas.html import grid_html, sme_agenda_html, table_sheets_html
from services.matcher.agendas.pdf import agenda_pdf, reception_pdf, table_sheets_pdf
from services.matcher.engine.encode import encode_snapshot
from services.matcher.engine.examples import example_snapshot, synthetic_snapshot
from services.matcher.engine.explain import explain_pairs
from services.matcher.engine.pipeline import plan_bipartite
from shared.snapshot import EventSnapshot

PUBLISHED = dt.datetime(2025, 10, 1, 12, 0, tzinfo=dt.UTC)
VENUE = "Lugnet, Falun"


def with_people(snapshot: EventSnapshot) -> EventSnapshot:
    """The snapshot with contact people on every organisation and a representative at each buyer's first table."""

    def contact(n: int, name: str, title: str) -> dict:
        return {
            "id": UUID(int=9000 + n),
            "position": 0,
            "name": name,
            "title": title,
            "email": f"kontakt{n}@example.se",
            "phone": f"+4670123{n:04d}",
        }

    data = snapshot.model_dump()
    for n, sme in enumerate(data["smes"]):
        sme["contacts"] = [contact(n, f"Åsa Öberg {n}", "VD")]
    for n, buyer in enumerate(data["buyers"]):
        buyer["contacts"] = [contact(500 + n, f"Göran Älvdal {n}", "Upphandlare")]
        buyer["representatives"] = [{"name": f"Märta Ås {n}", "title": "Inköpschef"}]
    return EventSnapshot.model_validate(data)


def engine_meetings(snapshot: EventSnapshot) -> list[PlacedMeeting]:
    encoded = encode_snapshot(snapshot)
    schedule = plan_bipartite(encoded.instance).schedule
    explanations = explain_pairs(encoded, encoded.scores, schedule.meetings[:, :2])
    return meetings_from_engine(encoded, schedule, explanations)


def publish(snapshot: EventSnapshot, meetings: list[PlacedMeeting], *, version: int = 1, contacts: bool = True):
    return build_agendas(
        snapshot,
        meetings,
        version=version,
        published_at=PUBLISHED + dt.timedelta(hours=version),
        include_contacts=contacts,
        venue=VENUE,
    )


@pytest.fixture(scope="module")
def example() -> tuple[EventSnapshot, list[PlacedMeeting], Agendas]:
    snapshot = with_people(example_snapshot())
    meetings = engine_meetings(snapshot)
    return snapshot, meetings, publish(snapshot, meetings)


@pytest.fixture(scope="module")
def synthetic() -> tuple[EventSnapshot, list[PlacedMeeting], Agendas]:
    snapshot = with_people(synthetic_snapshot(smes=12, buyers=3, needs_per_buyer=2, seed=3))
    meetings = engine_meetings(snapshot)
    return snapshot, meetings, publish(snapshot, meetings)


def test_every_engine_meeting_is_on_both_sides_at_its_slot_and_table(synthetic):
    snapshot, meetings, agendas = synthetic
    slots = {slot.index: slot for slot in snapshot.event.slots}
    assert len(meetings) > 10
    assert len(agendas.smes) == len(snapshot.smes)
    assert len(agendas.tables) == sum(buyer.tables for buyer in snapshot.buyers)
    assert [sheet.table for sheet in agendas.tables] == list(range(1, len(agendas.tables) + 1))
    sme_side = {(m.sme_id, m.buyer_id): m for agenda in agendas.smes for m in agenda.meetings}
    table_side = {(m.sme_id, m.buyer_id): (sheet, m) for sheet in agendas.tables for m in sheet.meetings}
    assert len(sme_side) == len(table_side) == len(meetings)
    for placed in meetings:
        mine = sme_side[placed.sme_id, placed.buyer_id]
        sheet, theirs = table_side[placed.sme_id, placed.buyer_id]
        assert mine.start == theirs.start == slots[placed.slot].start
        assert mine.end == slots[placed.slot].end
        assert mine.table == theirs.table == sheet.table
        assert sheet.buyer_id == placed.buyer_id and sheet.buyer_table == placed.table + 1
        assert mine.why_sv == placed.explanation["sentence_sv"] and mine.why_en == placed.explanation["sentence_en"]
        assert mine.counterpart_kind == "buyer" and theirs.counterpart_kind == "sme"
        if placed.explanation["need_id"]:
            assert str(mine.needs[0].id) == placed.explanation["need_id"]
    for agenda in agendas.smes:
        assert [m.start for m in agenda.meetings] == sorted(m.start for m in agenda.meetings)
    filled = [cell for row in agendas.grid.cells for cell in row if cell is not None]
    assert len(filled) == len(meetings)
    assert len(agendas.grid.slots) == len(snapshot.event.slots)


def test_example_agenda_reads_like_the_day(example):
    snapshot, _, agendas = example
    cleaner = agendas.sme(snapshot.smes[0].organisation.id)
    [meeting] = cleaner.meetings
    assert meeting.counterpart_name == "Falu kommun" and meeting.table == 1
    assert meeting.local_time in {"09:00–09:20", "09:25–09:45"}
    assert [need.title for need in meeting.needs] == ["Lokalvård i förskolor"]
    assert meeting.needs[0].cpv_code == "90910000" and meeting.needs[0].cpv_label_sv == "Städning"
    assert meeting.why_sv.startswith("Ni har båda anmält intresse")
    assert [c.name for c in meeting.contacts] == ["Göran Älvdal 0"]
    assert agendas.tables[0].representative.name == "Märta Ås 0"
    assert cleaner.venue == VENUE and cleaner.version == 1


def test_agendas_round_trip_through_json(synthetic):
    _, _, agendas = synthetic
    assert Agendas.model_validate_json(agendas.model_dump_json()) == agendas


def test_contacts_are_left_out_when_not_to_be_shown(example):
    snapshot, meetings, _ = example
    hidden = publish(snapshot, meetings, contacts=False)
    assert all(m.contacts is None for agenda in hidden.smes for m in agenda.meetings)
    assert all(m.contacts is None for sheet in hidden.tables for m in sheet.meetings)
    agenda = hidden.sme(snapshot.smes[0].organisation.id)
    for rendered in (
        agenda_ics(agenda).decode(),
        sme_agenda_html(agenda),
        pdf_text(agenda_pdf(agenda)),
        pdf_text(table_sheets_pdf(hidden)),
        table_sheets_html(hidden),
    ):
        assert "@example.se" not in rendered and "Älvdal" not in rendered and "Öberg" not in rendered


def test_unknown_meeting_parties_are_refused(example):
    snapshot, meetings, _ = example
    wrong = meetings[0]._replace(slot=99)
    with pytest.raises(ValueError, match=r"meetings\[0\].*slot 99"):
        publish(snapshot, [wrong])
    with pytest.raises(ValueError, match="table 5"):
        publish(snapshot, [meetings[0]._replace(table=5)])


# --- iCalendar ---------------------------------------------------------------------------------------


def vevents(data: bytes) -> list:
    calendar = Calendar.from_ical(data)
    assert calendar["METHOD"] == "PUBLISH" and "PRODID" in calendar and calendar["VERSION"] == "2.0"
    return list(calendar.walk("VEVENT"))


def test_ics_has_one_event_per_meeting_at_the_slot_times(synthetic):
    snapshot, _, agendas = synthetic
    slots = {slot.index: slot for slot in snapshot.event.slots}
    for agenda in [*agendas.smes, *agendas.tables]:
        events = vevents(agenda_ics(agenda))
        assert len(events) == len(agenda.meetings)
        for event, meeting in zip(events, agenda.meetings, strict=True):
            assert event.decoded("DTSTART") == slots[meeting.slot].start
            assert event.decoded("DTEND") == slots[meeting.slot].end
            assert event.decoded("DTSTART").utcoffset() == dt.timedelta(0)
            assert str(event["UID"]) == meeting_uid(snapshot.event.id, meeting.sme_id, meeting.buyer_id)
            assert str(event["SUMMARY"]) == f"Affärsträff Falun: möte med {meeting.counterpart_name}"
            assert str(event["LOCATION"]) == f"{VENUE}, Bord {meeting.table}"
            assert str(event["STATUS"]) == "CONFIRMED" and int(event["SEQUENCE"]) == 1
            description = str(event["DESCRIPTION"])
            assert meeting.why_sv in description and meeting.local_time in description
            assert all(need.title in description for need in meeting.needs)
        assert len({str(event["UID"]) for event in events}) == len(events)


def test_a_republished_change_updates_the_calendar_entry_instead_of_duplicating_it(example):
    snapshot, meetings, first = example
    cleaner_id, builder_id = (sme.organisation.id for sme in snapshot.smes)
    moved = [
        m._replace(slot=3) if m.sme_id == cleaner_id else m for m in meetings if m.sme_id != builder_id
    ]  # the cleaner's meeting moves to the last slot, the builder's is dropped
    second = publish(snapshot, moved, version=2)

    before = {str(e["UID"]): e for e in vevents(agenda_ics(first.sme(cleaner_id)))}
    after = {str(e["UID"]): e for e in vevents(agenda_ics(second.sme(cleaner_id)))}
    assert before.keys() == after.keys() and len(after) == 1
    [uid] = after
    assert int(after[uid]["SEQUENCE"]) == 2 > int(before[uid]["SEQUENCE"]) == 1
    assert after[uid].decoded("DTSTART") == snapshot.event.slots[3].start != before[uid].decoded("DTSTART")

    old, new = first.sme(builder_id), second.sme(builder_id)
    dropped = removed_meetings(old, new)
    assert [m.pair for m in dropped] == [(builder_id, snapshot.buyers[0].organisation.id)]
    [cancelled] = vevents(agenda_ics(new, cancelled=dropped))
    assert str(cancelled["STATUS"]) == "CANCELLED" and int(cancelled["SEQUENCE"]) == 2
    assert str(cancelled["UID"]) == str(vevents(agenda_ics(old))[0]["UID"])
    # The buyer's table sheet says the same: one entry moved, one cancelled, nothing duplicated.
    sheet_events = vevents(agenda_ics(second.tables[0], cancelled=removed_meetings(first.tables[0], second.tables[0])))
    assert sorted(str(e["STATUS"]) for e in sheet_events) == ["CANCELLED", "CONFIRMED"]
    assert len({str(e["UID"]) for e in sheet_events}) == 2


def test_a_moved_meeting_is_never_cancelled(example):
    snapshot, _, first = example
    agenda = first.sme(snapshot.smes[0].organisation.id)
    [event] = vevents(agenda_ics(agenda, cancelled=agenda.meetings))
    assert str(event["STATUS"]) == "CONFIRMED"


def test_ics_in_english_and_stable_bytes(example):
    snapshot, _, agendas = example
    agenda = agendas.sme(snapshot.smes[0].organisation.id)
    [event] = vevents(agenda_ics(agenda, lang="en"))
    assert str(event["SUMMARY"]) == "Affärsträff Falun: meeting with Falu kommun"
    assert str(event["LOCATION"]) == f"{VENUE}, Table 1"
    assert "Why you meet: You both marked interest" in str(event["DESCRIPTION"])
    assert agenda_ics(agenda) == agenda_ics(agenda)
    with pytest.raises(ValueError, match="language"):
        agenda_ics(agenda, lang="de")


# --- PDF ---------------------------------------------------------------------------------------------


def pdf_pages(data: bytes) -> list[str]:
    assert data.startswith(b"%PDF-")
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def pdf_text(data: bytes) -> str:
    return "\n".join(pdf_pages(data))


def test_sme_agenda_pdf_says_who_when_where_and_why(synthetic):
    _, _, agendas = synthetic
    for agenda in agendas.smes:
        text = pdf_text(agenda_pdf(agenda))
        assert f"Mötesschema för {agenda.sme_name}" in text
        assert "Schemaversion 1" in text and VENUE in text
        for meeting in agenda.meetings:
            assert meeting.counterpart_name in text
            assert meeting.local_time in text  # "09:00–09:20": local time with its en dash
        if not agenda.meetings:
            assert "Inga möten" in text


def test_pdf_keeps_swedish_letters_and_contacts(example):
    snapshot, _, agendas = example
    text = pdf_text(agenda_pdf(agendas.sme(snapshot.smes[0].organisation.id)))
    for phrase in ("Städbolaget i Falun AB", "Lokalvård i förskolor", "Städning", "Göran Älvdal 0", "Affärsträff"):
        assert phrase in text
    assert "kontakt500@example.se" in text
    assert "09:" in text


def test_table_sheets_pdf_has_one_page_per_table(synthetic):
    _, _, agendas = synthetic
    pages = pdf_pages(table_sheets_pdf(agendas))
    assert len(pages) == len(agendas.tables)
    for page, sheet in zip(pages, agendas.tables, strict=True):
        assert page.startswith(f"Bord {sheet.table}: {sheet.buyer_name}")
        for meeting in sheet.meetings:
            assert meeting.counterpart_name in page and meeting.local_time in page
    assert "Märta Ås 0" in pages[0]
    single = pdf_text(agenda_pdf(agendas.tables[-1], lang="en"))
    assert single.startswith(f"Table {agendas.tables[-1].table}: ")


def test_pdf_in_english(example):
    snapshot, _, agendas = example
    text = pdf_text(agenda_pdf(agendas.sme(snapshot.smes[0].organisation.id), lang="en"))
    assert "Meeting agenda for Städbolaget i Falun AB" in text
    assert "Why you meet" in text and "Cleaning services" in text and "Schedule version 1" in text


def test_pdfs_print_names_beyond_swedish_as_written(example):
    """Noto Sans is embedded (shared/fonts): Polish, Danish and Norwegian letters print, in every agenda PDF."""
    snapshot, meetings, _ = example
    data = snapshot.model_dump()
    data["buyers"][0]["organisation"]["name"] = "Łódź Spółka – ”Kraków”"
    data["smes"][0]["organisation"]["name"] = "Ærø Rengøring ApS"
    agendas = publish(EventSnapshot.model_validate(data), meetings)
    sme = agendas.sme(snapshot.smes[0].organisation.id)
    assert any(m.counterpart_name.startswith("Łódź") for m in sme.meetings)  # the firm meets that buyer
    texts = {
        "agenda": pdf_text(agenda_pdf(sme)),
        "table sheets": pdf_text(table_sheets_pdf(agendas)),
        "reception": pdf_text(reception_pdf(agendas.smes, {})),
    }
    for kind, text in texts.items():
        assert "Łódź Spółka – ”Kraków”" in text and "Ærø Rengøring ApS" in text, kind
        assert "?" not in text.replace("?lang", ""), kind  # nothing replaced


def test_pdf_writes_dates_phones_and_the_zone_for_people(example):
    snapshot, _, agendas = example
    text = " ".join(pdf_text(agenda_pdf(agendas.sme(snapshot.smes[0].organisation.id))).split())
    assert "Affärsträff Falun · tisdag 7 oktober 2025" in text
    assert "publicerad onsdag 1 oktober 2025 kl. 15:00 · Alla tider i svensk tid" in text  # 13:00 UTC
    assert "kontakt500@example.se, 070-123 05 00" in text and "+46" not in text and "Europe/Stockholm" not in text
    english = " ".join(pdf_text(agenda_pdf(agendas.sme(snapshot.smes[0].organisation.id), lang="en")).split())
    assert "Tuesday 7 October 2025" in english and "published Wednesday 1 October 2025 at 15:00" in english
    assert "All times in Swedish time" in english and "+46 70 123 05 00" in english


# --- HTML --------------------------------------------------------------------------------------------


class Page(HTMLParser):
    """Collects text, tags and attributes, and checks that every opened element is closed in order."""

    VOID = frozenset({"meta", "br", "img", "input", "link", "hr"})

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.tags: Counter[str] = Counter()
        self.attributes: list[tuple[str, str, str | None]] = []
        self.open: list[str] = []
        self.feed(html)
        self.close()
        assert self.open == [], f"unclosed: {self.open}"

    def handle_starttag(self, tag, attrs):
        self.tags[tag] += 1
        self.attributes += [(tag, name, value) for name, value in attrs]
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag):
        assert self.open and self.open[-1] == tag, f"</{tag}> closes {self.open[-1:]}"
        self.open.pop()

    def handle_data(self, data):
        self.text.append(data)

    @property
    def plain(self) -> str:
        return " ".join(" ".join(self.text).split())


def check_accessible_and_self_contained(page: Page, lang: str) -> None:
    assert ("html", "lang", lang) in page.attributes
    assert page.tags["h1"] >= 1 and page.tags["title"] == 1
    assert page.tags["script"] == 0 and page.tags["link"] == 0 and page.tags["img"] == 0
    assert not [value for _, name, value in page.attributes if name in {"src", "href"}]
    if page.tags["table"]:
        assert page.tags["caption"] == page.tags["table"]
        assert {value for tag, name, value in page.attributes if tag == "th" and name == "scope"} <= {"col", "row"}


def test_sme_agenda_html_lists_every_meeting(synthetic):
    _, _, agendas = synthetic
    for agenda in agendas.smes:
        html = sme_agenda_html(agenda)
        page = Page(html)
        check_accessible_and_self_contained(page, "sv")
        assert "@media print" in html and "size: A4" in html
        for meeting in agenda.meetings:
            assert meeting.counterpart_name in page.plain and meeting.local_time in page.plain
            assert f'datetime="{meeting.start.isoformat()}"' in html
            assert all(contact.email in page.plain for contact in meeting.contacts)


def test_table_sheets_html_breaks_pages_between_tables(synthetic):
    _, _, agendas = synthetic
    html = table_sheets_html(agendas)
    page = Page(html)
    check_accessible_and_self_contained(page, "sv")
    assert page.tags["section"] == len(agendas.tables) and page.tags["h1"] == len(agendas.tables)
    assert "page-break-after: always" in html
    for sheet in agendas.tables:
        assert f"Bord {sheet.table}: {sheet.buyer_name}" in page.plain
        assert all(meeting.counterpart_name in page.plain for meeting in sheet.meetings)


def test_grid_html_has_every_meeting_in_its_cell(synthetic):
    _, meetings, agendas = synthetic
    page = Page(grid_html(agendas.grid))
    check_accessible_and_self_contained(page, "sv")
    # One header row plus one row per slot, one column per table plus the time column.
    assert page.tags["tr"] == 1 + len(agendas.grid.slots)
    assert page.tags["td"] == len(agendas.grid.slots) * len(agendas.grid.tables)
    names = Counter(cell.sme_name for row in agendas.grid.cells for cell in row if cell)
    assert sum(names.values()) == len(meetings)
    for name, count in names.items():
        assert page.plain.count(name) >= count


def test_html_in_english_and_escaped(example):
    snapshot, meetings, _ = example
    data = snapshot.model_dump()
    data["smes"][0]["organisation"]["name"] = "<script>alert(1)</script> & Co"
    agendas = publish(EventSnapshot.model_validate(data), meetings)
    agenda = agendas.sme(snapshot.smes[0].organisation.id)
    html = sme_agenda_html(agenda, lang="en")
    page = Page(html)
    check_accessible_and_self_contained(page, "en")
    assert "Meeting agenda for <script>alert(1)</script> & Co" in page.plain
    assert "&lt;script&gt;" in html and "Why you meet" in page.plain
    assert "Meetings by time and table" in Page(grid_html(agendas.grid, lang="en")).plain
    sheets = Page(table_sheets_html(agendas.tables[:1], lang="en"))
    assert "Table 1: Falu kommun" in sheets.plain and "At the table: Märta Ås 0, Inköpschef" in sheets.plain
