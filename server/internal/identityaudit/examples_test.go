package identityaudit_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/idplane/idplane/server/api"
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
			w.run(t, "plan", "-input=false", "-out=plan.out")
			a := auditJSON(t, w.run(t, "show", "-json", "plan.out"))
			if a.MachineIdentities == 0 {
				t.Fatalf("the plan of %s creates no identity", dir)
			}
			for _, f := range a.Findings {
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
