-- Defined versus used: the last successful login of each identity with each
-- auth method, and the identities that logged in during each month (UTC),
-- whose count is the monthly active machine identities (as Vault's client
-- count). Each replica notes logins in memory and upserts them in batches,
-- so no login waits for these tables. No foreign keys: a batch must not fail
-- for an identity deleted meanwhile, and a month's actives stay counted.
CREATE TABLE identity_logins (
    identity_id     text NOT NULL,
    auth_method     text NOT NULL,
    organization_id text NOT NULL,
    last_login_at   timestamptz NOT NULL,
    PRIMARY KEY (identity_id, auth_method)
);
CREATE INDEX identity_logins_org ON identity_logins (organization_id);

CREATE TABLE identity_activity (
    month           text NOT NULL,
    identity_id     text NOT NULL,
    organization_id text NOT NULL,
    first_login_at  timestamptz NOT NULL,
    last_login_at   timestamptz NOT NULL,
    PRIMARY KEY (month, identity_id)
);
CREATE INDEX identity_activity_org_month ON identity_activity (organization_id, month);

-- What the audit log already knows.
INSERT INTO identity_logins (identity_id, auth_method, organization_id, last_login_at)
SELECT actor_id, substr(action, 7), MIN(organization_id), MAX(time) FROM audit_events
WHERE outcome = 'success' AND action LIKE 'login.%' AND actor_id <> ''
GROUP BY actor_id, substr(action, 7);

INSERT INTO identity_activity (month, identity_id, organization_id, first_login_at, last_login_at)
SELECT to_char(time AT TIME ZONE 'UTC', 'YYYY-MM'), actor_id, MIN(organization_id), MIN(time), MAX(time) FROM audit_events
WHERE outcome = 'success' AND action LIKE 'login.%' AND actor_id <> ''
GROUP BY to_char(time AT TIME ZONE 'UTC', 'YYYY-MM'), actor_id;
