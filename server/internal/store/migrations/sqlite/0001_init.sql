CREATE TABLE organizations (
    id         text NOT NULL PRIMARY KEY,
    name       text NOT NULL UNIQUE,
    created_at DATETIME NOT NULL
);

CREATE TABLE identities (
    id                text NOT NULL PRIMARY KEY,
    organization_id   text NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name              text NOT NULL,
    role              text NOT NULL,
    description       text NOT NULL DEFAULT '',
    metadata          text NOT NULL DEFAULT '{}',
    delete_protection BOOLEAN NOT NULL DEFAULT 0,
    version           bigint NOT NULL DEFAULT 1,
    created_at        DATETIME NOT NULL,
    updated_at        DATETIME NOT NULL,
    UNIQUE (organization_id, name)
);

CREATE TABLE projects (
    id              text NOT NULL PRIMARY KEY,
    organization_id text NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name            text NOT NULL,
    slug            text NOT NULL,
    description     text NOT NULL DEFAULT '',
    version         bigint NOT NULL DEFAULT 1,
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL,
    UNIQUE (organization_id, slug)
);

CREATE TABLE environments (
    id              text NOT NULL PRIMARY KEY,
    organization_id text NOT NULL,
    project_id      text NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    name            text NOT NULL,
    slug            text NOT NULL,
    position        integer NOT NULL DEFAULT 0,
    version         bigint NOT NULL DEFAULT 1,
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL,
    UNIQUE (project_id, slug)
);

CREATE TABLE roles (
    id              text NOT NULL PRIMARY KEY,
    organization_id text NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    project_id      text NOT NULL DEFAULT '',
    slug            text NOT NULL,
    name            text NOT NULL,
    description     text NOT NULL DEFAULT '',
    permissions     text NOT NULL DEFAULT '[]',
    version         bigint NOT NULL DEFAULT 1,
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL,
    UNIQUE (organization_id, project_id, slug)
);

CREATE TABLE memberships (
    id              text NOT NULL PRIMARY KEY,
    organization_id text NOT NULL,
    project_id      text NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    identity_id     text NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
    roles           text NOT NULL DEFAULT '[]',
    version         bigint NOT NULL DEFAULT 1,
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL,
    UNIQUE (project_id, identity_id)
);
CREATE INDEX memberships_identity ON memberships (identity_id);

CREATE TABLE universal_auths (
    id                          text NOT NULL PRIMARY KEY,
    organization_id             text NOT NULL,
    identity_id                 text NOT NULL UNIQUE REFERENCES identities(id) ON DELETE CASCADE,
    client_id                   text NOT NULL UNIQUE,
    access_token_ttl            integer NOT NULL,
    access_token_max_ttl        integer NOT NULL,
    access_token_num_uses_limit integer NOT NULL DEFAULT 0,
    access_token_trusted_ips    text NOT NULL DEFAULT '[]',
    client_secret_trusted_ips   text NOT NULL DEFAULT '[]',
    lockout_enabled             BOOLEAN NOT NULL DEFAULT 1,
    lockout_threshold           integer NOT NULL,
    lockout_duration            integer NOT NULL,
    lockout_counter_reset       integer NOT NULL,
    version                     bigint NOT NULL DEFAULT 1,
    created_at                  DATETIME NOT NULL,
    updated_at                  DATETIME NOT NULL
);

CREATE TABLE client_secrets (
    id                text NOT NULL PRIMARY KEY,
    organization_id   text NOT NULL,
    identity_id       text NOT NULL,
    universal_auth_id text NOT NULL REFERENCES universal_auths(id) ON DELETE CASCADE,
    description       text NOT NULL DEFAULT '',
    prefix            text NOT NULL,
    hash              BLOB NOT NULL,
    ttl               integer NOT NULL DEFAULT 0,
    num_uses_limit    integer NOT NULL DEFAULT 0,
    num_uses          integer NOT NULL DEFAULT 0,
    expires_at        DATETIME,
    revoked_at        DATETIME,
    created_at        DATETIME NOT NULL
);
CREATE INDEX client_secrets_lookup ON client_secrets (universal_auth_id, prefix);

CREATE TABLE lockouts (
    universal_auth_id text NOT NULL REFERENCES universal_auths(id) ON DELETE CASCADE,
    source_key        text NOT NULL,
    failures          integer NOT NULL DEFAULT 0,
    window_start      DATETIME NOT NULL,
    locked_until      DATETIME,
    PRIMARY KEY (universal_auth_id, source_key)
);

CREATE TABLE access_tokens (
    id              text NOT NULL PRIMARY KEY,
    organization_id text NOT NULL,
    identity_id     text NOT NULL,
    auth_method     text NOT NULL,
    auth_method_id  text NOT NULL,
    credential_id   text NOT NULL DEFAULT '',
    ttl             integer NOT NULL,
    num_uses_limit  integer NOT NULL DEFAULT 0,
    num_uses        integer NOT NULL DEFAULT 0,
    created_at      DATETIME NOT NULL,
    expires_at      DATETIME NOT NULL,
    max_expires_at  DATETIME NOT NULL,
    revoked_at      DATETIME
);
CREATE INDEX access_tokens_identity ON access_tokens (identity_id);
CREATE INDEX access_tokens_max_expires ON access_tokens (max_expires_at);

CREATE TABLE revocations (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    kind       text NOT NULL,
    ref_id     text NOT NULL,
    revoked_at DATETIME NOT NULL
);
CREATE INDEX revocations_revoked_at ON revocations (revoked_at);

CREATE TABLE signing_keys (
    id          text NOT NULL PRIMARY KEY,
    private_key BLOB NOT NULL,
    created_at  DATETIME NOT NULL
);

CREATE TABLE audit_events (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_id text NOT NULL,
    time            DATETIME NOT NULL,
    actor_type      text NOT NULL,
    actor_id        text NOT NULL DEFAULT '',
    action          text NOT NULL,
    target_type     text NOT NULL DEFAULT '',
    target_id       text NOT NULL DEFAULT '',
    source_ip       text NOT NULL DEFAULT '',
    user_agent      text NOT NULL DEFAULT '',
    outcome         text NOT NULL,
    reason          text NOT NULL DEFAULT '',
    request_id      text NOT NULL DEFAULT '',
    metadata        text NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_org ON audit_events (organization_id, id);
