"""The matching engine: score SME–buyer pairs, select meetings fairly and optimally, place them in slots.

Pure functions over numpy arrays (no I/O); see :mod:`.model` for the data and DESIGN.md §3 for the method.
"""
