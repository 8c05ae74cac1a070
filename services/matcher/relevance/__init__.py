"""Relevance lists for the sign-up pages: a firm's needs and a buyer's firms, best fit first (see routes)."""
