#!/usr/bin/env bash
# make bench, Terraform part: apply a generated configuration of N identities
# (identity, universal auth, client secret, project membership each: about
# 4N resources), then time `terraform plan` with refresh at the default
# parallelism, and check that the server answered no 429 and no 5xx.
# Usage: bench-plan.sh HOST CLIENT_ID CLIENT_SECRET [N]
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
host="$1" id="$2" secret="$3" n="${4:-1000}"
terraform="${TF_ACC_TERRAFORM_PATH:-$(go env GOPATH)/bin/terraform}"
work="$(mktemp -d /tmp/idplane-bench-plan.XXXXXX)"
trap 'rm -rf "$work"' EXIT
go build -o "$work/bin/terraform-provider-idplane" "$repo/provider"
cat > "$work/terraformrc" <<RC
provider_installation {
  dev_overrides {
    "idplane/idplane" = "$work/bin"
  }
  direct {}
}
RC
mkdir "$work/cfg"
# One block per resource, not count: Terraform evaluates a reference into a
# counted resource by building the whole collection, which makes applying and
# planning thousands of counted instances quadratic in Terraform itself.
python3 - "$n" > "$work/cfg/main.tf" <<'PY'
import sys
n = int(sys.argv[1])
print("""terraform {
  required_providers {
    idplane = { source = "idplane/idplane" }
  }
}

provider "idplane" {}

resource "idplane_project" "bench" {
  name = "Bench"
  slug = "bench"
}
""")
for i in range(n):
    print(f"""resource "idplane_identity" "w{i}" {{
  name = "workload-{i}"
  role = "no-access"
}}

resource "idplane_identity_universal_auth" "w{i}" {{
  identity_id = idplane_identity.w{i}.id
}}

resource "idplane_identity_universal_auth_client_secret" "w{i}" {{
  identity_id = idplane_identity_universal_auth.w{i}.identity_id
}}

resource "idplane_project_identity" "w{i}" {{
  project_id  = idplane_project.bench.id
  identity_id = idplane_identity.w{i}.id
  roles       = [{{ role_slug = "viewer" }}]
}}
""")
PY
export TF_CLI_CONFIG_FILE="$work/terraformrc" CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
export IDPLANE_HOST="$host" IDPLANE_CLIENT_ID="$id" IDPLANE_CLIENT_SECRET="$secret"
cd "$work/cfg"
echo "applying $((4 * n + 1)) resources (not timed)..."
"$terraform" apply -auto-approve -input=false -compact-warnings >"$work/apply.log" 2>&1 || { tail -30 "$work/apply.log"; exit 1; }
start=$(date +%s.%N)
set +e
"$terraform" plan -input=false -detailed-exitcode -compact-warnings >"$work/plan.log" 2>&1
code=$?
set -e
end=$(date +%s.%N)
if [ "$code" -ne 0 ]; then tail -30 "$work/plan.log"; echo "plan was not empty and clean (exit $code)"; exit 1; fi
printf 'terraform plan (refresh of %d resources, default parallelism): %.1f s, empty\n' $((4 * n + 1)) "$(python3 -c "print($end - $start)")"
curl -fsS "$host/metrics" | grep -E '^idplane_http_requests_total.*status="(429|5[0-9][0-9])"' || true
bad="$(curl -fsS "$host/metrics" | awk '/^idplane_http_requests_total/ && /status="(429|5[0-9][0-9])"/ {s += $2} END {print s + 0}')"
echo "429 and 5xx answers during apply and plan: $bad"
[ "$bad" = 0 ]
