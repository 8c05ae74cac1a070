"""The statistics across events (issue 14): what the partners report to their funders.

- :mod:`.model`: the documents' contract (every figure defined once, in its field's description);
- :mod:`.query`: filters in, the report out, from the facts migration 0019 keeps per published version;
- :mod:`.outcomes`: the mirror of each need's tender and awards, written from the registry's change feed;
- :mod:`.exports`: the report as CSV and as a spreadsheet;
- :mod:`.routes`: ``GET /statistics`` (JSON), ``/statistics.csv`` and ``/statistics.xlsx``, for organisers;
- :mod:`.report_pdf` and its routes: the yearly report for the steering group.
"""
