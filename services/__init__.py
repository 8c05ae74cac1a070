"""The two services: ``registry`` (system of record) and ``matcher`` (schedules and agendas)."""
