-- The matcher's own schema. Its tables (jobs, schedule versions, meetings, agendas, outbox)
-- arrive with the features that use them; the schema and its migration record exist from the start
-- so that readiness and the migration lock behave the same in both services.
COMMENT ON SCHEMA matcher IS 'Affärsträff matcher: schedule jobs, schedules, meetings and agendas';
