-- AWS and GCP auth saved before allowAnyPrincipal existed, with no
-- principal bound, admit any principal of their cloud in the world. Such a
-- configuration now says so, as one saved today must: the API answers the
-- flag back (a Terraform plan shows it) and the identity audit reports it.
-- The configuration is plain JSON text, so SQL sees it; the version moves
-- because the object changed.
UPDATE auth_method_configs
SET config = jsonb_set(config::jsonb, '{allowAnyPrincipal}', 'true'::jsonb)::text,
    version = version + 1
WHERE COALESCE(config::jsonb -> 'allowAnyPrincipal', 'false'::jsonb) <> 'true'::jsonb
  AND ((kind = 'aws-auth'
        AND COALESCE(config::jsonb -> 'allowedAccountIds', 'null'::jsonb) IN ('[]'::jsonb, 'null'::jsonb)
        AND COALESCE(config::jsonb -> 'allowedPrincipalArns', 'null'::jsonb) IN ('[]'::jsonb, 'null'::jsonb))
    OR (kind = 'gcp-auth'
        AND COALESCE(config::jsonb -> 'allowedServiceAccountEmails', 'null'::jsonb) IN ('[]'::jsonb, 'null'::jsonb)
        AND COALESCE(config::jsonb -> 'allowedProjects', 'null'::jsonb) IN ('[]'::jsonb, 'null'::jsonb)));
