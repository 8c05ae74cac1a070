"""The organiser's schedule pages of an event: the overview and its runs of the matcher, a version to
inspect and rule on, publishing it with the printouts, and the charts of a version's quality.

The routes of them all are in :func:`services.web.routes.setup_routes`.
"""
