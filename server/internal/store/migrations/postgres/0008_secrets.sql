-- Secrets (Infisical's raw secrets API), encrypted at rest with envelope
-- encryption: each project's data key is sealed with the master key
-- (project_keys), each value with its project's data key, bound to its
-- secret and version. Every write adds a secret_versions row.
CREATE TABLE project_keys (
    project_id      text NOT NULL PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,
    organization_id text NOT NULL,
    data_key        bytea NOT NULL,
    created_at      timestamptz NOT NULL
);

CREATE TABLE secrets (
    id              text NOT NULL PRIMARY KEY,
    organization_id text NOT NULL,
    project_id      text NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    environment_id  text NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    secret_path     text NOT NULL,
    secret_key      text NOT NULL,
    type            text NOT NULL,
    version         bigint NOT NULL,
    value           bytea NOT NULL,
    comment         text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    UNIQUE (environment_id, secret_path, secret_key)
);

CREATE TABLE secret_versions (
    id              text NOT NULL PRIMARY KEY,
    organization_id text NOT NULL,
    secret_id       text NOT NULL REFERENCES secrets(id) ON DELETE CASCADE,
    version         bigint NOT NULL,
    value           bytea NOT NULL,
    comment         text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL,
    UNIQUE (secret_id, version)
);

-- Folders are listed, created and deleted explicitly (Infisical's
-- /api/v1/folders); a secret's path needs no folder row.
CREATE TABLE secret_folders (
    id              text NOT NULL PRIMARY KEY,
    organization_id text NOT NULL,
    project_id      text NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    environment_id  text NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    parent_path     text NOT NULL,
    name            text NOT NULL,
    version         bigint NOT NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    UNIQUE (environment_id, parent_path, name)
);
