"""The reception desk's file: every firm's agenda of the published version, one per page, by name.

Names are in Swedish alphabetical order, as the registry lists organisations (its ``swedish_sort_key`` in
registry migration 0002): a–z, then å, ä, ö; æ with ä and ø with ö, ü with y, accented vowels with their
base letter (é with e), v and w apart, case ignored. The same rule in both services means the printed
file and the organiser's lists agree, without ICU (neither the embedded PostgreSQL nor a plain Python
has Swedish collation; ``locale.strxfrm`` depends on which locales the machine has installed).
"""

from __future__ import annotations

from collections.abc import Iterable

from .model import SmeAgenda

# Under code-point order the characters after "z" are "{", "|", "}": å, ä, ö map there.
_SWEDISH = str.maketrans("åäæöøüéèêëáàâíìóòúù", "{||}}yeeeeaaaiioouu")


def swedish_sort_key(name: str) -> str:
    """A key that sorts names in Swedish alphabetical order (the registry's rule).

    Examples
    --------
    >>> sorted(["Örebro Städ", "Åre Bygg", "Zenit AB", "Ärla El", "Avesta VVS", "éclair", "Øresund"],
    ...        key=swedish_sort_key)
    ['Avesta VVS', 'éclair', 'Zenit AB', 'Åre Bygg', 'Ärla El', 'Örebro Städ', 'Øresund']
    """
    return name.lower().translate(_SWEDISH)


def reception_order(smes: Iterable[SmeAgenda]) -> list[SmeAgenda]:
    """The firms' agendas in Swedish alphabetical order of their names (ties: by id, so the file is stable).

    Examples
    --------
    >>> from services.matcher.agendas.build import build_agendas
    >>> from services.matcher.engine.examples import example_snapshot
    >>> snapshot = example_snapshot()
    >>> agendas = build_agendas(snapshot, [], version=1, published_at=snapshot.generated_at, include_contacts=False)
    >>> names = [agenda.sme_name for agenda in reception_order(agendas.smes)]
    >>> names == sorted(names, key=swedish_sort_key)
    True
    """
    return sorted(smes, key=lambda agenda: (swedish_sort_key(agenda.sme_name), str(agenda.sme_id)))
