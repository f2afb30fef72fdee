-- The live identity audit compares secret grants with their use: one grouped
-- query over the successful secret reads and writes of a window (the last
-- --unused-days days) of one organization. This index finds those rows by
-- organization and time without reading the logins and changes around them.
CREATE INDEX audit_events_secret_use ON audit_events (organization_id, time)
    WHERE outcome = 'success' AND action LIKE 'secret.%';
