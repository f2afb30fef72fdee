#!/usr/bin/env bash
# make demo: the product end to end on a laptop. Builds both binaries, runs
# idplane on embedded SQLite in a temporary directory, bootstraps it, applies
# examples/quickstart with the local provider build, shows that a second plan
# is empty, prints what was created and the identity audit, logs in as the
# ci-deploy workload to read its secret (and be refused one outside its
# grant), and stops the server. Nothing outside the temporary
# directory is changed.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
terraform="${TF_ACC_TERRAFORM_PATH:-$(go env GOPATH)/bin/terraform}"
work="$(mktemp -d "${TMPDIR:-/tmp}/idplane-demo.XXXXXX")"
server_pid=""
cleanup() {
	if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "Building idplane and terraform-provider-idplane"
go build -o "$repo/bin/idplane" "$repo/server"
go build -o "$repo/bin/terraform-provider-idplane" "$repo/provider"

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
export IDPLANE_HOST="http://127.0.0.1:$port"

step "Starting idplane serve on SQLite in $work"
"$repo/bin/idplane" bootstrap --database-url "$work/idplane.db" --master-key-file "$work/idplane.key" --organization acme --output json > "$work/bootstrap.json"
"$repo/bin/idplane" serve --listen "127.0.0.1:$port" --database-url "$work/idplane.db" \
	--master-key-file "$work/idplane.key" --allow-internal-outbound --log-format text --log-level warn > "$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 50); do
	if curl -fsS "$IDPLANE_HOST/readyz" >/dev/null 2>&1; then break; fi
	sleep 0.2
done
curl -fsS "$IDPLANE_HOST/readyz" >/dev/null || { cat "$work/server.log"; exit 1; }
echo "idplane is ready at $IDPLANE_HOST"

step "Bootstrapped organization acme (admin identity with universal auth)"
IDPLANE_CLIENT_ID="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["clientId"])' "$work/bootstrap.json")"
IDPLANE_CLIENT_SECRET="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["clientSecret"])' "$work/bootstrap.json")"
export IDPLANE_CLIENT_ID IDPLANE_CLIENT_SECRET
echo "client ID $IDPLANE_CLIENT_ID (the secret stays in $work/bootstrap.json)"

cat > "$work/terraformrc" <<RC
provider_installation {
  dev_overrides {
    "idplane/idplane" = "$repo/bin"
  }
  direct {}
}
RC
export TF_CLI_CONFIG_FILE="$work/terraformrc" CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
cp -r "$repo/examples/quickstart" "$work/quickstart"
cd "$work/quickstart"

step "terraform apply examples/quickstart"
"$terraform" apply -auto-approve -input=false -compact-warnings

step "terraform plan again: it must be empty"
set +e
"$terraform" plan -detailed-exitcode -input=false -compact-warnings
code=$?
set -e
if [ "$code" -ne 0 ]; then echo "the second plan is not empty (exit $code)"; exit 1; fi
echo "No changes: the second plan is empty."

step "What was created"
"$terraform" state list
"$terraform" output

step "idplane audit of the live server: identities needed, consolidation candidates, findings"
"$repo/bin/idplane" audit --format text
echo
step "ci-deploy logs in with its universal auth and reads its secret"
"$terraform" output -json client_ids > "$work/client_ids.json"
"$terraform" output -json client_secrets > "$work/client_secrets.json"
login="$(python3 -c 'import json,sys; print(json.dumps({"clientId": json.load(open(sys.argv[1]))["ci-deploy"], "clientSecret": json.load(open(sys.argv[2]))["ci-deploy"]}))' \
	"$work/client_ids.json" "$work/client_secrets.json")"
token="$(curl -fsS -X POST -H 'Content-Type: application/json' --data-binary @- "$IDPLANE_HOST/api/v1/auth/universal-auth/login" <<<"$login" |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["accessToken"])')"
echo "ci-deploy logged in (POST /api/v1/auth/universal-auth/login)"
where="workspaceSlug=webshop&environment=staging"
echo "GET /api/v3/secrets/raw/RELEASE_WEBHOOK_URL?$where&secretPath=/deploy/hooks"
curl -fsS -H "Authorization: Bearer $token" "$IDPLANE_HOST/api/v3/secrets/raw/RELEASE_WEBHOOK_URL?$where&secretPath=/deploy/hooks" |
	python3 -c 'import json,sys; s=json.load(sys.stdin)["secret"]; print("  %s (version %d) = %s" % (s["secretKey"], s["version"], s["secretValue"]))'
echo "GET /api/v3/secrets/raw/DATABASE_URL?$where&secretPath=/app/db (outside ci-deploy's grant)"
status="$(curl -sS -o "$work/refused.json" -w '%{http_code}' -H "Authorization: Bearer $token" \
	"$IDPLANE_HOST/api/v3/secrets/raw/DATABASE_URL?$where&secretPath=/app/db")"
if [ "$status" != 403 ]; then echo "ci-deploy read a secret outside its grant (HTTP $status)"; exit 1; fi
python3 -c 'import json,sys; print("  refused, HTTP 403: %s" % json.load(open(sys.argv[1]))["detail"])' "$work/refused.json"
echo
echo "Demo finished; the server is stopped and $work removed."
