-- AWS and GCP auth saved before allowAnyPrincipal existed, with no
-- principal bound, admit any principal of their cloud in the world. Such a
-- configuration now says so, as one saved today must: the API answers the
-- flag back (a Terraform plan shows it) and the identity audit reports it.
-- The configuration is plain JSON text, so SQL sees it; the version moves
-- because the object changed.
UPDATE auth_method_configs
SET config = json_set(config, '$.allowAnyPrincipal', json('true')),
    version = version + 1
WHERE COALESCE(json_extract(config, '$.allowAnyPrincipal'), 0) = 0
  AND ((kind = 'aws-auth'
        AND COALESCE(json_array_length(config, '$.allowedAccountIds'), 0) = 0
        AND COALESCE(json_array_length(config, '$.allowedPrincipalArns'), 0) = 0)
    OR (kind = 'gcp-auth'
        AND COALESCE(json_array_length(config, '$.allowedServiceAccountEmails'), 0) = 0
        AND COALESCE(json_array_length(config, '$.allowedProjects'), 0) = 0));
