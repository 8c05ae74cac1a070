"""Reference data for the registry and the matcher: CPV 2008 codes, Swedish organisation numbers and
Dalarna's municipalities. The CSV files live in ``data/`` with their attribution in ``data/README.md``."""
