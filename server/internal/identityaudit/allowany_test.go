package identityaudit

import (
	"testing"

	"github.com/idplane/idplane/server/api"
)

// AWS or GCP auth with allow_any_principal, read from Terraform state,
// is a high finding with its own code; the same methods with bindings
// are not.
func TestAllowAnyPrincipalIsHigh(t *testing.T) {
	id := func(name string) tfResource {
		return tfResource{Address: "idplane_identity." + name, Type: tfIdentity, Name: name,
			Values: map[string]any{"id": name, "name": name, "role": "no-access"}}
	}
	auth := func(kind, identity string, values map[string]any) tfResource {
		values["identity_id"] = identity
		values["access_token_trusted_ips"] = []any{"10.0.0.0/8"}
		return tfResource{Address: "idplane_identity_" + kind + "_auth." + identity, Type: "idplane_identity_" + kind + "_auth", Name: identity, Values: values}
	}
	m, err := buildModel([]tfResource{id("open-aws"), id("open-gcp"), id("bound"),
		auth("aws", "open-aws", map[string]any{"allow_any_principal": true, "allowed_account_ids": []any{}}),
		auth("gcp", "open-gcp", map[string]any{"allow_any_principal": true, "type": "gce"}),
		auth("aws", "bound", map[string]any{"allow_any_principal": false, "allowed_account_ids": []any{"123456789012"}}),
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]api.AuditFinding{}
	for _, f := range run(t, m, Options{}).Findings {
		if f.Code == CodeAllowAnyPrincipal {
			got[f.Identity] = f
		}
	}
	for _, name := range []string{"open-aws", "open-gcp"} {
		if f, ok := got[name]; !ok || f.Severity != api.SeverityHigh {
			t.Errorf("%s: finding %+v, want a high %s", name, f, CodeAllowAnyPrincipal)
		}
	}
	if f, ok := got["bound"]; ok {
		t.Errorf("a bound AWS auth is reported: %+v", f)
	}
	if len(got) != 2 {
		t.Errorf("%d allow-any-principal findings, want 2: %+v", len(got), got)
	}
}
