-- A method may keep a secret part of its configuration (Kubernetes auth's
-- token reviewer JWT) encrypted with the master key, never in the JSON.
ALTER TABLE auth_method_configs ADD COLUMN sealed bytea;

-- Signed requests already accepted by a login (AWS auth), by SHA-256, until
-- they could no longer be accepted anyway; shared so replicas agree.
CREATE TABLE used_signed_requests (
    hash       bytea PRIMARY KEY,
    expires_at timestamptz NOT NULL
);
CREATE INDEX used_signed_requests_expires_at ON used_signed_requests (expires_at);
