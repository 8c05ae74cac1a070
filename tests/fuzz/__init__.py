"""Property-based fuzzing of both services' HTTP APIs against their own OpenAPI documents (schemathesis).

Run with ``.venv/bin/python -m tests.fuzz`` (see :mod:`tests.fuzz.__main__` and the README).
"""
