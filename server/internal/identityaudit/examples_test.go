package identityaudit_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/identityaudit"
)

// The configurations our documentation recommends (the quickstart and
// every guide's example, whose roles include read on /app/** in
// production) produce no high finding: planned as written, each plan's
// audit has none.
func TestRecommendedExamplesHaveNoHighFinding(t *testing.T) {
	srv := startServer(t)
	dirs, err := filepath.Glob("../../../examples/guides/*")
	if err != nil {
		t.Fatal(err)
	}
	dirs = append([]string{"../../../examples/quickstart"}, dirs...)
	if len(dirs) < 4 {
		t.Fatalf("examples: %v", dirs)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			org := srv.NewOrganization(t, "ex-"+filepath.Base(dir))
			w := newWorkspace(t, srv, org, filepath.Join("testdata", "scenarios", "ten-vms"))
			w.copyExample(t, dir)
			// The credentials-out-of-state example's ephemeral input; others ignore it.
			w.env = append(w.env, "TF_VAR_client_secret=Ex4mple-Secret-0f-Forty-Characters-abcdXYZ")
			if filepath.Base(dir) == "credentials-out-of-state" && !ephemeralInputs(t, w.terraform) {
				// A release without ephemeral input variables refuses it; make
				// test audits it again on OpenTofu, which has them.
				cmd := exec.Command(w.terraform, "plan", "-input=false")
				cmd.Dir, cmd.Env = w.dir, w.env
				if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), `An argument named "ephemeral" is not expected here`) {
					t.Fatalf("terraform plan of %s: %v, want the refusal of its ephemeral variable\n%s", dir, err, out)
				}
				return
			}
			w.run(t, "plan", "-input=false", "-out=plan.out")
			a := auditJSON(t, w.run(t, "show", "-json", "plan.out"))
			if a.MachineIdentities == 0 {
				t.Fatalf("the plan of %s creates no identity", dir)
			}
			if a.Use != nil {
				t.Errorf("the audit of a plan has a use section: %+v", a.Use)
			}
			for _, f := range a.Findings {
				if f.Code == identityaudit.CodeGrantUnused || f.Code == identityaudit.CodeGrantBroaderThanUse {
					t.Errorf("%s: a plan holds no use, yet %s on %s", dir, f.Code, f.Identity)
				}
				if f.Severity == api.SeverityHigh {
					t.Errorf("%s: high finding %s on %s: %s", dir, f.Code, f.Identity, f.Detail)
				}
			}
		})
	}
}

// copyExample replaces the workspace's configuration with an example's
// files, adding the provider requirements only when the example lacks them.
func (w *workspace) copyExample(t *testing.T, dir string) {
	t.Helper()
	for _, name := range []string{"main.tf", "provider.tf"} {
		if err := os.Remove(filepath.Join(w.dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.tf"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no .tf files in %s", dir)
	}
	var all strings.Builder
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		all.Write(data)
		if err := os.WriteFile(filepath.Join(w.dir, filepath.Base(f)), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var extra string
	if !strings.Contains(all.String(), "required_providers") {
		extra += "terraform {\n  required_providers {\n    idplane = { source = \"idplane/idplane\" }\n  }\n}\n"
	}
	if !strings.Contains(all.String(), `provider "idplane"`) {
		extra += "provider \"idplane\" {}\n"
	}
	if err := os.WriteFile(filepath.Join(w.dir, "zz_provider.tf"), []byte(extra), 0o600); err != nil {
		t.Fatal(err)
	}
}

// ephemeralInputs reports whether the terraform binary has ephemeral input
// variables (Terraform 1.10 and OpenTofu 1.11 on).
func ephemeralInputs(t *testing.T, terraform string) bool {
	t.Helper()
	out, err := exec.Command(terraform, "version", "-json").Output()
	if err != nil {
		t.Fatalf("%s version -json: %v", terraform, err)
	}
	var v struct {
		Version string `json:"terraform_version"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("%s version -json: %v\n%s", terraform, err, out)
	}
	var major, minor int
	if _, err := fmt.Sscanf(v.Version, "%d.%d", &major, &minor); err != nil {
		t.Fatalf("%s version %q: %v", terraform, v.Version, err)
	}
	return major > 1 || minor >= 10
}
