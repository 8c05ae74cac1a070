"""Contracts both services speak: settings, errors, logging, auth, database helpers, OpenAPI."""
