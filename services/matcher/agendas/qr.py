"""QR codes of participants' agenda links, for the printed and on-screen agendas (segno).

A participant's agenda (HTML and PDF, an SME's agenda and a buyer's table sheets) carries a QR code of
that participant's own link. With ``MATCHER_WEB_URL`` set the code holds the web's check-in address for
the link's token (``{MATCHER_WEB_URL}/incheckning/{token}``, :func:`check_in_url`): a host's phone camera
lands on the one-tap check-in, anyone else is sent on to the agenda (the web decides by who is signed in).
Unset, it holds the agenda link itself (``{MATCHER_PUBLIC_URL}/a/{token}``). Either way the token is the
secret: the code is as unguessable as the link. Which link goes on which document is decided where the
documents are served (:mod:`services.matcher.agendas.serving`); this module only draws.

- :func:`qr_svg`: an inline ``<svg>`` element for the HTML pages. It is markup inside the page, not an
  image loaded from anywhere, so the pages stay self-contained and the CSP (nothing loaded, no
  ``img-src``) needs no change; it scales with CSS and prints sharp.
- :func:`qr_png`: a black-and-white PNG for the PDFs (fpdf2 embeds it; every PDF reader shows it).

Error correction level M (15 %): a code printed on paper that is folded or smudged still reads, and a
URL of a 43-character token stays a small code (version 5, 37 × 37 modules, for a short host; an
``https://…/incheckning/…`` address of up to 106 characters is version 6, 41 × 41). The quiet zone of four modules
the standard asks for is part of both images. The same URL always gives the same bytes.
"""

from __future__ import annotations

import functools
import io

import segno

# Error correction: M (about 15 % of the code may be damaged).
ERROR = "m"
# The quiet zone around the code, in modules (ISO/IEC 18004 asks for 4).
BORDER = 4
# The web's page a scanned code opens (services/web: reception_pages.scanned_link).
CHECK_IN_PATH = "/incheckning/"


def check_in_url(agenda_url: str, web_url: object | None) -> str:
    """What a participant's QR code holds: the web's check-in page for the token of ``agenda_url``
    (``{web_url}/incheckning/{token}``), or ``agenda_url`` itself without a ``web_url``.

    Examples
    --------
    >>> link = "https://matcher.example.se/a/" + "T" * 43
    >>> check_in_url(link, "https://affarstraff.example.se/")[:44]
    'https://affarstraff.example.se/incheckning/T'
    >>> check_in_url(link, None) == link
    True
    """
    if not web_url:
        return agenda_url
    token = agenda_url.rsplit("/a/", 1)[-1]
    return f"{str(web_url).rstrip('/')}{CHECK_IN_PATH}{token}"


@functools.lru_cache(maxsize=4096)
def qr_code(url: str) -> segno.QRCode:
    """The QR code of ``url`` (never a Micro QR, which phones' cameras often cannot read).

    Examples
    --------
    >>> code = qr_code("http://127.0.0.1:8082/a/" + "A" * 43)
    >>> code.designator, code.symbol_size(border=0)
    ('5-M', (37, 37))
    """
    return segno.make(url, error=ERROR, micro=False, boost_error=False)


def qr_svg(url: str, *, title: str) -> str:
    """``url`` as an inline ``<svg>`` element (no XML declaration, no size: CSS sizes it), with a ``<title>``.

    Examples
    --------
    >>> svg = qr_svg("https://example.se/a/x", title="Skanna <här>")
    >>> svg.startswith('<svg viewBox="0 0 ') and "<title>Skanna &lt;här&gt;</title>" in svg
    True
    >>> qr_svg("https://example.se/a/x", title="t") == qr_svg("https://example.se/a/x", title="t")
    True
    """
    # segno escapes the title; the class lets the page's own stylesheet size the code.
    return qr_code(url).svg_inline(scale=1, border=BORDER, title=title, svgclass="qr-code", omitsize=True)


@functools.lru_cache(maxsize=1024)
def qr_png(url: str, *, scale: int = 8) -> bytes:
    """``url`` as a black-on-white PNG, ``scale`` pixels per module (8: sharp at 3 cm printed at 300 dpi).

    Examples
    --------
    >>> png = qr_png("https://example.se/a/x")
    >>> png[:8] == b"\\x89PNG\\r\\n\\x1a\\n", png == qr_png("https://example.se/a/x")
    (True, True)
    """
    out = io.BytesIO()
    qr_code(url).save(out, kind="png", scale=scale, border=BORDER, dark="black", light="white")
    return out.getvalue()
