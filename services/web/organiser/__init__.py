"""The organiser's pages of an event and of the service: the events, their form, copy and status, who signed
up, web accounts, the schedule's log, supporters' grants and invitations to firms.

One module per page or concern; the routes of them all are in :func:`services.web.routes.setup_routes`.
"""
