"""All SQL of the registry, in one place: one module of named constants per resource.

Every statement names its tables with the schema (``registry.``) and takes ``$n`` parameters.
"""
