"""The matcher: scores SME–buyer pairs, selects and schedules meetings, publishes agendas."""

SERVICE_NAME = "matcher"
SCHEMA = "matcher"
