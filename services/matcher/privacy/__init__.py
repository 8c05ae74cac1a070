"""Privacy in the matcher: erasures and cancellations after publication, followed from the registry's feed.

- :mod:`.redact`: pure functions that take an organisation out of a snapshot and its strings out of any text.
- :mod:`.erasure`: applying an erasure to every copy the matcher holds, in one transaction.
- :mod:`.cancellation`: a registration cancelled after publication: the meetings are off, people are told.
- :mod:`.feed`: following ``GET /changes`` durably (cursor in ``matcher.registry_feed``), in the
  background and right before each batch of notifications is sent.
- :mod:`.export_routes`: ``GET /privacy/organisations/{id}``, what the matcher holds about one organisation.
"""
