"""The organisation profile: its fields once, and where each one is stored, carried and edited.

An organisation's profile is spelled in many places: the registry's models and SQL, the event snapshot
(the hand-built ``_profile`` dict and :class:`shared.snapshot.SnapshotOrganisation`), the CSV bulk
import, and the web's profile forms. This module is the one list they agree with. The registry's
column lists and its field ↔ column mapping are derived from it at import time; the copies that stay
hand-built for speed or readability are held to it by ``tests/test_organisation_profile.py``, which
fails when a field is added in one place only.

Adding a field: add it to :data:`PROFILE_FIELDS` (and a migration), then run that test; it names every
place still missing it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ProfileField:
    """One field of an organisation's profile as the API names it.

    Parameters
    ----------
    name : str
        The field's name in the registry's JSON (create, update, read).
    parts : tuple of (str, str)
        For a field stored over several columns: ``(key in the field's JSON object, column)`` pairs.
        Empty for a field stored in the column of its own name.
    nullable : bool
        An update may clear it with an explicit null.
    changeable : bool
        A stored value may change (``kind`` never does).
    in_snapshot : bool
        The event snapshot's organisation carries it (the matcher scores it).
    sme_form, buyer_form : bool
        The firm's profile form, the buyer's organisation page edit it.
    csv_column : str or None
        Its header in the CSV bulk import, when that differs from ``name``.
    """

    name: str
    parts: tuple[tuple[str, str], ...] = ()
    nullable: bool = False
    changeable: bool = True
    in_snapshot: bool = True
    sme_form: bool = False
    buyer_form: bool = False
    csv_column: str | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        """The ``registry.organisations`` columns it is stored in.

        Examples
        --------
        >>> FIELDS["areas_served"].columns
        ('serves_whole_country', 'served_counties', 'served_municipalities')
        >>> FIELDS["name"].columns
        ('name',)
        """
        return tuple(column for _, column in self.parts) or (self.name,)

    @property
    def csv(self) -> str:
        """Its header in the CSV bulk import."""
        return self.csv_column or self.name


# In the order of the stored columns: INSERT's parameters and the bulk import's COPY records follow it.
PROFILE_FIELDS: tuple[ProfileField, ...] = (
    ProfileField("kind", changeable=False, in_snapshot=False),
    # The snapshot has no org.nr: the matcher never needs it, and a sole trader's is a personnummer.
    ProfileField("orgnr", in_snapshot=False, sme_form=True),
    ProfileField("name", sme_form=True, buyer_form=True),
    ProfileField("municipality_code", sme_form=True, buyer_form=True),
    ProfileField("description", sme_form=True, buyer_form=True),
    ProfileField("keywords", buyer_form=True),
    ProfileField("cpv_codes", sme_form=True, buyer_form=True),
    ProfileField("employees_band", nullable=True, sme_form=True),
    ProfileField("turnover_sek", nullable=True),
    ProfileField(
        "areas_served",
        parts=(
            ("whole_country", "serves_whole_country"),
            ("counties", "served_counties"),
            ("municipalities", "served_municipalities"),
        ),
        sme_form=True,
        csv_column="serves",
    ),
    ProfileField("certificates"),
    ProfileField("languages"),
    ProfileField("buyer_category", nullable=True, buyer_form=True),
    ProfileField("website", nullable=True, in_snapshot=False, sme_form=True, buyer_form=True),
)

FIELDS: dict[str, ProfileField] = {field.name: field for field in PROFILE_FIELDS}

# Columns of registry.organisations holding the profile, in PROFILE_FIELDS order.
PROFILE_COLUMNS: tuple[str, ...] = tuple(column for field in PROFILE_FIELDS for column in field.columns)
# The columns an update may write (all but kind).
CHANGEABLE_COLUMNS: tuple[str, ...] = tuple(
    column for field in PROFILE_FIELDS if field.changeable for column in field.columns
)
# The columns the event snapshot reads for an organisation's profile.
SNAPSHOT_COLUMNS: tuple[str, ...] = tuple(
    column for field in PROFILE_FIELDS if field.in_snapshot for column in field.columns
)
SNAPSHOT_FIELD_NAMES: frozenset[str] = frozenset(field.name for field in PROFILE_FIELDS if field.in_snapshot)
NULLABLE_FIELD_NAMES: frozenset[str] = frozenset(field.name for field in PROFILE_FIELDS if field.nullable)
# Fields an update must keep a value for (null is refused), in PROFILE_FIELDS order.
REQUIRED_FIELD_NAMES: tuple[str, ...] = tuple(field.name for field in PROFILE_FIELDS if not field.nullable)
SME_FORM_FIELD_NAMES: frozenset[str] = frozenset(field.name for field in PROFILE_FIELDS if field.sme_form)
BUYER_FORM_FIELD_NAMES: frozenset[str] = frozenset(field.name for field in PROFILE_FIELDS if field.buyer_form)
CSV_COLUMNS: frozenset[str] = frozenset(field.csv for field in PROFILE_FIELDS)
# The fields stored over several columns: name → ((key, column), ...).
COMPOSITE_FIELDS: dict[str, tuple[tuple[str, str], ...]] = {
    field.name: field.parts for field in PROFILE_FIELDS if field.parts
}
# Column → the field it belongs to.
FIELD_OF_COLUMN: dict[str, str] = {column: field.name for field in PROFILE_FIELDS for column in field.columns}
