# Credentials come from IDPLANE_HOST, IDPLANE_CLIENT_ID and IDPLANE_CLIENT_SECRET
# (or IDPLANE_TOKEN) when they are not set here. Never commit a client secret.
provider "idplane" {}
