"""The registry: SMEs, buyers, upcoming needs, events and sign-ups — and the API tokens."""

SERVICE_NAME = "registry"
SCHEMA = "registry"
