"""All SQL of the matcher: one module of named constants per resource, tables named with the schema (``matcher.``)."""
