#!/usr/bin/env bash
# make docs: regenerate docs/ with tfplugindocs from templates/ and examples/.
# The provider schema comes from the local build through a dev_overrides CLI
# configuration, so nothing is downloaded.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
# OpenTofu, not Terraform 1.8.5: only a release that knows ephemeral
# resources includes them in the schema.
terraform="${DOCS_TERRAFORM:-$(go env GOPATH)/bin/tofu}"
work="$(mktemp -d)"
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
cat > "$work/cfg/main.tf" <<'TF'
terraform {
  required_providers {
    idplane = { source = "idplane/idplane" }
  }
}
TF
(cd "$work/cfg" && TF_CLI_CONFIG_FILE="$work/terraformrc" CHECKPOINT_DISABLE=1 "$terraform" providers schema -json > "$work/schema.json" 2>"$work/err") || { cat "$work/err"; exit 1; }
# tfplugindocs looks the schema up by the provider's short name.
python3 - "$work/schema.json" <<'PY'
import json, sys
p = sys.argv[1]
d = json.load(open(p))
schemas = d["provider_schemas"]
d["provider_schemas"] = {"idplane": next(v for k, v in schemas.items() if k.endswith("/idplane/idplane"))}
json.dump(d, open(p, "w"))
PY
cd "$repo"
go tool tfplugindocs generate --provider-name idplane --rendered-provider-name idplane --providers-schema "$work/schema.json" >/dev/null
