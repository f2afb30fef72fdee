#!/usr/bin/env bash
# make demo: the product end to end on a laptop. Builds both binaries, runs
# idplane on embedded SQLite in a temporary directory, bootstraps it, applies
# examples/quickstart with the local provider build, shows that a second plan
# is empty, prints what was created and the identity audit, and stops the
# server. Nothing outside the
# temporary directory is changed.
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
echo "Demo finished; the server is stopped and $work removed."
