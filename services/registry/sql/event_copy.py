"""SQL of copying an event as a template (the insert itself is :data:`.events.INSERT_EVENT`)."""

# The source is read FOR SHARE: a concurrent change of its grid waits until the copy has committed,
# so the copy holds one consistent version of the source's settings.
SELECT_SOURCE_EVENT = "SELECT * FROM registry.events WHERE id = $1 FOR SHARE"
