"""All SQL of the registry, in one place: one module of named constants per resource.

Every statement names its tables with the schema (``registry.``) and takes ``$n`` parameters.
"""


def escape_like(text: str) -> str:
    r"""Escape LIKE's wildcards (backslash is PostgreSQL's default escape character).

    Examples
    --------
    >>> escape_like("100%_a\\b")
    '100\\%\\_a\\\\b'
    """
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
