"""The event day on the floor of the venue: arrivals, the stand-by list, meetings marked held or missed,
declines, and filling freed table-slots live (tables in migration 0010_onsite.sql)."""
