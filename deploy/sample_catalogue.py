"""The catalogue behind the sample data: trades (what SMEs sell, what buyers need from them), Dalarna's
public buyers, and the fictional names, titles and certificates firms are made of.

Plain data, read by :mod:`deploy.sample_data`; the same caveats apply (real public bodies, fictional people).
"""

from __future__ import annotations

from typing import Any

FALUN = "2080"

# Sector templates: what SMEs sell (CPV codes and words) and what buyers need from them.
# A need is (title, description, main CPV, additional CPVs, value range in SEK).
TRADES: dict[str, dict[str, Any]] = {
    "städ": {
        "cpv": ["90910000", "90911200", "90919300", "90911300"],
        "words": ["städ", "lokalvård", "fönsterputsning", "storstädning", "golvvård"],
        "names": ["Städ", "Lokalvård", "Puts & Glans"],
        "text": "Lokalvård, storstädning och fönsterputsning i skolor, förskolor och kontor. Svanenmärkta medel.",
        "needs": [
            (
                "Lokalvård i förskolor och skolor",
                "Daglig städning av skollokaler och förskolor.",
                "90919300",
                [],
                (2, 12),
            ),
            ("Fönsterputsning kommunala lokaler", "Fönsterputsning två gånger per år.", "90911300", [], (0.2, 0.8)),
        ],
    },
    "livsmedel": {
        "cpv": ["15300000", "15811100", "03221000", "15500000", "15800000"],
        "words": ["närproducerat", "grönsaker", "bageri", "mejeri", "livsmedelsleverans"],
        "names": ["Gårdsmejeri", "Bageri", "Grönt & Gott"],
        "text": "Närproducerade livsmedel: grönsaker, bröd och mejeriprodukter med egna leveranser.",
        "needs": [
            (
                "Frukt och grönt till skolmåltider",
                "Leverans av frukt och grönsaker till skolkök.",
                "15300000",
                ["03221000"],
                (1, 6),
            ),
            ("Färskt bröd till förskolor", "Dagliga brödleveranser till förskolekök.", "15811100", [], (0.3, 1.2)),
        ],
    },
    "catering": {
        "cpv": ["55520000", "55523100", "55524000", "55320000"],
        "words": ["catering", "skolmåltider", "måltidsservice", "specialkost"],
        "names": ["Catering", "Kök & Servering", "Måltidsservice"],
        "text": "Catering och måltidsservice för möten, evenemang och skolmåltider, även specialkost.",
        "needs": [
            (
                "Catering vid sammanträden och evenemang",
                "Ramavtal för catering till möten.",
                "55520000",
                [],
                (0.2, 1.0),
            ),
            (
                "Skolmåltider i ytterområden",
                "Tillagning och servering av skollunch i byskolor.",
                "55524000",
                ["55523100"],
                (1.5, 8),
            ),
        ],
    },
    "snö": {
        "cpv": ["90620000", "90630000", "45233141", "77313000"],
        "words": ["snöröjning", "halkbekämpning", "sandning", "vinterväghållning", "hjullastare"],
        "names": ["Maskin & Snöröjning", "Entreprenad", "Traktorservice"],
        "text": "Snöröjning, sandning och halkbekämpning med traktor och hjullastare, jour dygnet runt.",
        "needs": [
            (
                "Snöröjning och halkbekämpning av fastigheter",
                "Vinterväghållning av skolgårdar och parkeringar.",
                "90620000",
                ["90630000"],
                (0.5, 4),
            ),
        ],
    },
    "it": {
        "cpv": ["72000000", "72250000", "72610000", "72413000", "30213000"],
        "words": ["it-support", "webbutveckling", "drift", "molntjänster", "informationssäkerhet"],
        "names": ["IT", "Data", "Digital"],
        "text": "IT-support, drift och webbutveckling för offentlig sektor. Tillgänglighetsanpassade webbplatser.",
        "needs": [
            ("IT-support till skolor", "Support och drift av elevdatorer.", "72610000", ["72250000"], (0.8, 5)),
            ("Ny tillgänglig webbplats", "Utveckling av webbplats enligt WCAG 2.1 AA.", "72413000", [], (0.3, 1.5)),
        ],
    },
    "bygg": {
        "cpv": ["45453000", "45421000", "45442100", "45261000", "45262700"],
        "words": ["bygg", "renovering", "snickeri", "takläggning", "målning", "ombyggnad"],
        "names": ["Bygg", "Snickeri", "Måleri & Bygg"],
        "text": "Renovering, ombyggnad, snickeri- och målningsarbeten. Takläggning och ROT för fastighetsägare.",
        "needs": [
            (
                "Renovering av omklädningsrum i sporthall",
                "Ombyggnad av omklädningsrum och duschar.",
                "45453000",
                ["45262700"],
                (1, 6),
            ),
            ("Takbyte på skola", "Byte av yttertak inklusive plåtarbeten.", "45261000", [], (2, 9)),
            ("Målning av fasader", "Utvändig målning av träfasader.", "45442100", [], (0.4, 2)),
        ],
    },
    "transport": {
        "cpv": ["60130000", "60140000", "60120000", "60112000"],
        "words": ["skolskjuts", "taxi", "färdtjänst", "persontransport", "minibuss"],
        "names": ["Taxi", "Buss & Resor", "Skolskjuts"],
        "text": "Skolskjuts, färdtjänst och taxi med rullstolsanpassade fordon.",
        "needs": [
            ("Skolskjuts med taxi", "Skolskjuts för elever i glesbygd.", "60130000", ["60120000"], (2, 15)),
            ("Färdtjänst och sjukresor", "Anropsstyrd persontransport.", "60140000", [], (3, 20)),
        ],
    },
    "fastighet": {
        "cpv": ["98341130", "50700000", "77313000", "45331000", "45310000"],
        "words": ["fastighetsskötsel", "vaktmästeri", "grönyteskötsel", "ventilation", "elinstallation"],
        "names": ["Fastighetsservice", "Drift & Underhåll", "El & Ventilation"],
        "text": "Fastighetsskötsel, grönyteskötsel och service av ventilation och el.",
        "needs": [
            ("Fastighetsskötsel och vaktmästeri", "Löpande skötsel av verksamhetslokaler.", "98341130", [], (1, 6)),
            ("Skötsel av parker och grönytor", "Gräsklippning och rabattskötsel.", "77313000", [], (0.5, 3)),
            ("Service av ventilationsanläggningar", "OVK och filterbyten.", "50700000", ["45331000"], (0.3, 1.5)),
        ],
    },
    "tryck": {
        "cpv": ["79810000", "22100000", "79341000", "79342000"],
        "words": ["tryckeri", "trycksaker", "broschyrer", "reklam", "grafisk form"],
        "names": ["Tryckeri", "Grafiska", "Reklam & Tryck"],
        "text": "Tryckning av broschyrer och trycksaker, grafisk form och reklam.",
        "needs": [
            (
                "Tryckning av informationsmaterial",
                "Broschyrer och foldrar till invånare.",
                "79810000",
                ["22100000"],
                (0.1, 0.6),
            ),
        ],
    },
    "konsult": {
        "cpv": ["79410000", "71240000", "80511000", "79211000"],
        "words": ["konsult", "ledarskapsutbildning", "processledning", "förstudie", "redovisning"],
        "names": ["Konsult", "Rådgivning", "Utveckling"],
        "text": "Verksamhetsutveckling, processledning, ledarskapsutbildning och förstudier.",
        "needs": [
            ("Ledarskapsutbildning för chefer", "Utbildning för första linjens chefer.", "80511000", [], (0.3, 1.2)),
            ("Förstudie ombyggnad av äldreboende", "Förstudie med kalkyl och tidplan.", "71240000", [], (0.4, 1.8)),
        ],
    },
}
# Trades no buyer in the sample asks for: SMEs that should get few or no meetings.
UNMATCHED_TRADES: dict[str, dict[str, Any]] = {
    "skog": {
        "cpv": ["77200000", "77211400"],
        "words": ["skogsavverkning", "trädfällning", "skogsvård"],
        "names": ["Skogstjänst", "Skog & Mark"],
        "text": "Skogsavverkning, trädfällning och skogsvård åt privata skogsägare.",
    },
    "hantverk": {
        "cpv": ["18500000", "44111300"],
        "words": ["hantverk", "smycken", "keramik", "dalahästar"],
        "names": ["Hantverk", "Keramik"],
        "text": "Handgjorda smycken och keramik, dalahästar på beställning.",
    },
}

BUYER_NAMES = {
    "Falun": "Falu kommun", "Borlänge": "Borlänge kommun", "Mora": "Mora kommun", "Ludvika": "Ludvika kommun",
    "Hedemora": "Hedemora kommun", "Avesta": "Avesta kommun", "Säter": "Säters kommun",
    "Leksand": "Leksands kommun", "Rättvik": "Rättviks kommun", "Orsa": "Orsa kommun",
    "Älvdalen": "Älvdalens kommun", "Malung-Sälen": "Malung-Sälens kommun", "Vansbro": "Vansbro kommun",
    "Gagnef": "Gagnefs kommun", "Smedjebacken": "Smedjebackens kommun",
}  # fmt: skip
OTHER_BUYERS = [  # name, category, seat, reference prefix, trades
    ("Region Dalarna", "region", FALUN, "RD", ["städ", "it", "transport", "konsult", "catering", "tryck"]),
    ("Länsstyrelsen Dalarna", "county_board", FALUN, "LST", ["it", "konsult", "tryck", "städ"]),
    ("Kopparstaden AB", "municipal_company", FALUN, "KOP", ["bygg", "fastighet", "snö", "städ"]),
    ("Tunabyggen AB", "municipal_company", "2081", "TUNA", ["bygg", "fastighet", "snö"]),
]
FIRST_NAMES = [
    "Anna",
    "Erik",
    "Maria",
    "Lars",
    "Karin",
    "Johan",
    "Sara",
    "Per",
    "Emma",
    "Anders",
    "Lena",
    "Nils",
    "Ingrid",
    "Olof",
    "Frida",
    "Mats",
    "Elin",
    "Jonas",
    "Sofia",
    "Gustav",
    "Hanna",
    "Björn",
    "Ida",
    "Sven",
]
LAST_NAMES = [
    "Andersson",
    "Eriksson",
    "Persson",
    "Larsson",
    "Olsson",
    "Nilsson",
    "Jonsson",
    "Hansson",
    "Halvarsson",
    "Mattsson",
    "Hedlund",
    "Backlund",
    "Sundqvist",
    "Ersson",
    "Hästbacka",
    "Bergkvist",
    "Dahl",
    "Lind",
]
TITLES = ["Upphandlare", "Inköpschef", "Verksamhetschef", "Enhetschef", "Upphandlingsstrateg"]
SIZE_WORDS = {"0": "enmansföretag", "1-9": "1–9 anställda", "10-49": "10–49 anställda", "50-249": "50–249 anställda"}
CERTIFICATES = ["ISO 14001", "ISO 9001", "Svanen", "BF9K", "ID06", "KRAV", "Säker Vatten"]
