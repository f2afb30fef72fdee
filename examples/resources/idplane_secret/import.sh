# A secret is imported by where it is: project ID (or slug, as in the
# configuration's project_id), environment slug, folder path and key. This is
# DEPLOY_WEBHOOK_URL in /deploy; a secret in / is <project>/<environment>/<key>.
# No value is read into state: the next apply writes the configured one.
terraform import idplane_secret.webhook 0193a3c1-9a10-7d2e-8b3c-4d5e6f708192/staging/deploy/DEPLOY_WEBHOOK_URL
