-- Auth methods other than universal auth keep their settings here: the
-- token settings every method has as columns, and the method's own
-- configuration as a JSON document that the method validates.
CREATE TABLE auth_method_configs (
    id                          text PRIMARY KEY,
    organization_id             text NOT NULL,
    identity_id                 text NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
    kind                        text NOT NULL,
    access_token_ttl            integer NOT NULL,
    access_token_max_ttl        integer NOT NULL,
    access_token_num_uses_limit integer NOT NULL DEFAULT 0,
    access_token_trusted_ips    text NOT NULL DEFAULT '[]',
    config                      text NOT NULL DEFAULT '{}',
    version                     bigint NOT NULL DEFAULT 1,
    created_at                  timestamptz NOT NULL,
    updated_at                  timestamptz NOT NULL,
    UNIQUE (identity_id, kind)
);
