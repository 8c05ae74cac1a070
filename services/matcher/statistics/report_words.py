"""The words of the yearly report (:mod:`.report_pdf`), Swedish first, English on request.

Each figure of :class:`.model.Figures` has a short label (tables) and a definition (the report's last
pages). The English definitions are the model's own field descriptions, so the contract and the report
cannot drift apart; the Swedish ones say the same for the steering group.
"""

from __future__ import annotations

from .model import Figures

# Swedish label and definition of every figure, in the model's field order.
FIGURES_SV: dict[str, tuple[str, str]] = {
    "events": ("Affärsträffar", "Publicerade affärsträffar som räknas."),
    "firms_reached": ("Företag nådda", "Olika företag med minst ett möte i ett publicerat schema."),
    "first_time_firms": (
        "varav för första gången",
        "Av de nådda företagen, de för vilka detta var den första publicerade affärsträffen med ett möte.",
    ),
    "buyers": ("Köpare", "Olika köpare med minst ett möte i ett publicerat schema."),
    "meetings_planned": ("Planerade möten", "Möten i de publicerade schemana."),
    "meetings_held": ("Hållna möten", "Planerade möten som inte markerades som uteblivna eller inställda på dagen."),
    "no_shows": ("Uteblivna möten", "Planerade möten som markerades som uteblivna (någon part kom inte) på dagen."),
    "no_show_rate": (
        "Andel uteblivna",
        "Uteblivna möten delat med planerade möten, för affärsträffar vars dag har passerat.",
    ),
    "feedback_asked": ("Tillfrågade om utvärdering", "Deltagare som fick frågan om utvärdering efter dagen."),
    "feedback_answered": ("Svarade på utvärderingen", "Av de tillfrågade, de deltagare som svarade."),
    "feedback_response_rate": ("Svarsfrekvens", "Svarande delat med tillfrågade."),
    "ratings": ("Svar per möte", "Svaren om vad mötet ledde till, per svarsalternativ (båda parters svar)."),
    "needs_discussed": ("Behov som diskuterades", "Olika behov som låg till grund för ett möte som hölls."),
    "tenders_followed": (
        "Upphandlingar som följde",
        "Av de diskuterade behoven, de vars upphandling annonserades efter affärsträffen.",
    ),
    "tenders_with_met_bidders": (
        "med anbud från mötta företag",
        "Av de upphandlingar som följde, de där ett företag som träffat köparen om behovet säger att det "
        "lämnade anbud.",
    ),
    "awards_to_met_firms": (
        "Tilldelningar till mötta företag",
        "Tilldelningar (behov, företag) som namnger ett företag som träffade köparen om behovet före tilldelningen.",
    ),
    "awarded_value_sek": ("Tilldelat värde", "Summan av värdena för dessa tilldelningar (kronor, där värdet anges)."),
    "support_requests": ("Förfrågningar om stöd", "Förfrågningar om individuellt stöd."),
    "support_hours": ("Stödtimmar", "Timmar individuellt stöd som har registrerats."),
    "firms_helped": ("Företag som fått stöd", "Olika företag med registrerade stödtimmar."),
}

FIGURES_EN_LABELS: dict[str, str] = {
    "events": "Events",
    "firms_reached": "Firms reached",
    "first_time_firms": "of them first-time",
    "buyers": "Buyers",
    "meetings_planned": "Meetings planned",
    "meetings_held": "Meetings held",
    "no_shows": "No-shows",
    "no_show_rate": "No-show rate",
    "feedback_asked": "Asked for feedback",
    "feedback_answered": "Answered the feedback",
    "feedback_response_rate": "Response rate",
    "ratings": "Answers per meeting",
    "needs_discussed": "Needs discussed",
    "tenders_followed": "Tenders that followed",
    "tenders_with_met_bidders": "with met firms bidding",
    "awards_to_met_firms": "Awards to met firms",
    "awarded_value_sek": "Value awarded",
    "support_requests": "Support requests",
    "support_hours": "Support hours",
    "firms_helped": "Firms helped",
}

RATINGS = {
    "sv": {"did_not_take_place": "mötet blev inte av", "no_further_interest": "inget fortsatt intresse",
           "will_follow_up": "följer upp", "will_bid_or_buy": "lämnar anbud eller köper"},
    "en": {"did_not_take_place": "did not take place", "no_further_interest": "no further interest",
           "will_follow_up": "will follow up", "will_bid_or_buy": "will bid or buy"},
}  # fmt: skip

WORDS: dict[str, dict[str, str]] = {
    "sv": {
        "title": "Affärsträffar {year}",
        "subtitle": "Årsrapport till styrgruppen",
        "organiser": "Arrangör",
        "generated": "Sammanställd",
        "filters": "Urval",
        "no_filters": "Alla affärsträffar, alla företag och köpare.",
        "municipality": "Företagens hemkommun",
        "buyer": "Köpare",
        "cpv_division": "CPV-avdelning",
        "key_figures": "Året i siffror",
        "s_events": "{events} affärsträffar med {buyers} köpare.",
        "s_firms": "{firms_reached} företag nådda, varav {first_time_firms} för första gången.",
        "s_meetings": "{meetings_held} möten hölls av {meetings_planned} planerade; {no_shows} uteblev "
        "(andel uteblivna {no_show_rate}).",
        "s_feedback": "{feedback_answered} av {feedback_asked} tillfrågade deltagare svarade på utvärderingen "
        "(svarsfrekvens {feedback_response_rate}).",
        "s_ratings": "Svaren om vad mötena ledde till: {ratings}.",
        "s_chain": "{needs_discussed} behov diskuterades vid möten som hölls; {tenders_followed} av dem "
        "annonserades sedan som upphandling, och i {tenders_with_met_bidders} lämnade ett företag som "
        "träffat köparen anbud.",
        "s_awards": "{awards_to_met_firms} tilldelningar gick till företag som träffat köparen om behovet, till "
        "ett värde av {awarded_value_sek}.",
        "s_support": "{support_requests} förfrågningar om individuellt stöd; {support_hours} timmar stöd till "
        "{firms_helped} företag.",
        "not_known": "ej känd",
        "kr": "kr",
        "compared": "Jämfört med {previous}",
        "figure": "Mått",
        "change": "Förändring",
        "per_event": "Affärsträffarna",
        "event": "Affärsträff",
        "date": "Datum",
        "no_events": "Inga publicerade affärsträffar under året.",
        "definitions": "Vad siffrorna betyder",
        "definitions_intro": "Allt räknas för publicerade affärsträffar (deras publicerade schema) som passar urvalet.",
        "limits": "Vad siffrorna inte kan säga",
        "page": "Sida",
    },
    "en": {
        "title": "Business meetings {year}",
        "subtitle": "Yearly report to the steering group",
        "organiser": "Organiser",
        "generated": "Compiled",
        "filters": "Selection",
        "no_filters": "All events, all firms and buyers.",
        "municipality": "Firms' home municipality",
        "buyer": "Buyer",
        "cpv_division": "CPV division",
        "key_figures": "The year in figures",
        "s_events": "{events} events with {buyers} buyers.",
        "s_firms": "{firms_reached} firms reached, {first_time_firms} of them for the first time.",
        "s_meetings": "{meetings_held} meetings held of {meetings_planned} planned; {no_shows} no-shows "
        "(no-show rate {no_show_rate}).",
        "s_feedback": "{feedback_answered} of {feedback_asked} participants asked answered the feedback "
        "(response rate {feedback_response_rate}).",
        "s_ratings": "What the meetings led to, as answered: {ratings}.",
        "s_chain": "{needs_discussed} needs were discussed at meetings held; {tenders_followed} of them were "
        "later advertised as tenders, and in {tenders_with_met_bidders} a firm that met the buyer bid.",
        "s_awards": "{awards_to_met_firms} awards went to firms that met the buyer about the need, worth "
        "{awarded_value_sek}.",
        "s_support": "{support_requests} requests for individual support; {support_hours} hours of support to "
        "{firms_helped} firms.",
        "not_known": "not known",
        "kr": "SEK",
        "compared": "Compared with {previous}",
        "figure": "Figure",
        "change": "Change",
        "per_event": "The events",
        "event": "Event",
        "date": "Date",
        "no_events": "No published events in the year.",
        "definitions": "What the figures mean",
        "definitions_intro": "Everything counts published events (their published schedule) that pass the selection.",
        "limits": "What the figures cannot say",
        "page": "Page",
    },
}

LIMITS = {
    "sv": [
        "Tilldelningar räknas bara när OCDS-tilldelningen anger leverantörens organisationsnummer (SE-BLV); en "
        "tilldelning som bara anger ett namn kan inte kopplas till ett möte.",
        "Att en tilldelning går till ett företag som träffat köparen visar ett samband i tid, inte att mötet "
        "ledde till affären.",
        "Anbud räknas från företagens egna svar i uppföljningen månader efter träffen; den som inte svarar "
        "räknas inte.",
        "Värdet summeras där tilldelningen anger ett värde; en tilldelning utan värde räknas i antalet men inte "
        "i summan.",
        "Möten räknas som hållna om de inte markerades som uteblivna eller inställda på dagen.",
        "Företag som deltog i affärsträffar innan tjänsten togs i bruk räknas som nya första gången de syns här.",
        "Urvalet begränsar vilka möten och företag som räknas; siffror för olika urval kan inte läggas ihop.",
    ],
    "en": [
        "Awards are counted only when the OCDS award names the supplier's organisation number (SE-BLV); an "
        "award that gives only a name cannot be linked to a meeting.",
        "An award to a firm that met the buyer shows an order in time, not that the meeting led to the deal.",
        "Bids are counted from the firms' own answers in the follow-up months after the event; firms that do "
        "not answer are not counted.",
        "Values are summed where the award states one; an award without a value counts in the number but not "
        "in the sum.",
        "A meeting counts as held unless it was marked as a no-show or cancelled on the day.",
        "Firms that took part in events before this service was used count as new the first time they appear.",
        "The selection narrows which meetings and firms are counted; figures of different selections do not add up.",
    ],
}


def words(lang: str) -> dict[str, str]:
    """The report's words in ``lang`` (ValueError for anything but 'sv' or 'en').

    Examples
    --------
    >>> words("sv")["subtitle"], words("en")["subtitle"]
    ('Årsrapport till styrgruppen', 'Yearly report to the steering group')
    """
    if lang not in WORDS:
        raise ValueError(f"unknown report language {lang!r}: use 'sv' or 'en'")
    return WORDS[lang]


def figure_label(name: str, lang: str) -> str:
    """A figure's short label for tables.

    Examples
    --------
    >>> figure_label("firms_reached", "sv"), figure_label("firms_reached", "en")
    ('Företag nådda', 'Firms reached')
    """
    return FIGURES_SV[name][0] if lang == "sv" else FIGURES_EN_LABELS[name]


def definition(name: str, lang: str) -> str:
    """A figure's definition: the Swedish text, or the model's own description in English.

    Examples
    --------
    >>> definition("buyers", "en")
    'Distinct buyers with at least one published meeting'
    >>> definition("buyers", "sv")
    'Olika köpare med minst ett möte i ett publicerat schema.'
    """
    if lang == "sv":
        return FIGURES_SV[name][1]
    return Figures.model_fields[name].description or ""
