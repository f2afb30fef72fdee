-- The identity audit asks, per identity and per client secret, for the last
-- successful login: this index answers it with one short descent each,
-- however long the audit log grows.
CREATE INDEX audit_events_logins ON audit_events (organization_id, actor_id, time)
    WHERE outcome = 'success' AND action LIKE 'login.%';
