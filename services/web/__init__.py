"""The web front end: server-rendered pages for SMEs, buyers and organisers over the registry and matcher APIs.

It keeps no data of its own: every page reads and writes through the services' HTTP APIs with the
signed-in person's token, so whatever a page can do, the API can do.
"""

SERVICE_NAME = "web"
