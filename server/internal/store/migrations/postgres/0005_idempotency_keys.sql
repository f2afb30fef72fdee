-- The first answer to a create sent with an Idempotency-Key, replayed to
-- retries with the same key and request for 24 hours. Status 0 marks a
-- request still in flight (response empty); response is the answer's
-- body, encrypted with the master key.
CREATE TABLE idempotency_keys (
    organization_id text NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    idempotency_key text NOT NULL,
    request_hash    bytea NOT NULL,
    status          integer NOT NULL DEFAULT 0,
    response        bytea NOT NULL,
    created_at      timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL,
    PRIMARY KEY (organization_id, idempotency_key)
);

CREATE INDEX idempotency_keys_expires_at ON idempotency_keys (expires_at);
