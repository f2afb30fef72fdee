package identityaudit_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/identityaudit"
	"github.com/idplane/idplane/server/internal/service"
	"github.com/idplane/idplane/server/servertest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

func TestMain(m *testing.M) { servertest.Main(m) }

// The six scenarios of the product's identity-count guidance: applied with
// Terraform, then audited from the saved plan, the state and the live
// server. Each must count the identities the guidance says are needed.
var scenarios = []struct {
	dir              string
	identities, sets int
}{
	{"ten-vms", 10, 1},
	{"staging-production", 5, 2},
	{"pipelines", 3, 3},
	{"three-clouds", 3, 1},
	{"microservices", 15, 3},
	{"shared-cluster", 3, 3},
}

func TestScenarios(t *testing.T) {
	srv := startServer(t)
	for _, sc := range scenarios {
		t.Run(sc.dir, func(t *testing.T) {
			org := srv.NewOrganization(t, sc.dir)
			w := newWorkspace(t, srv, org, filepath.Join("testdata", "scenarios", sc.dir))
			plan := auditJSON(t, w.plan(t))
			w.apply(t)
			state := auditJSON(t, w.show(t))
			live, err := srv.Client(t, api.WithUniversalAuth(org.ClientID, org.ClientSecret)).IdentityAudit(t.Context(), api.IdentityAuditQuery{})
			if err != nil {
				t.Fatal(err)
			}
			// The activity section depends on the month and on when the
			// replica last wrote logins: checked here, left out of the golden.
			if live.Activity == nil || live.Activity.DeclaredIdentities != sc.identities+1 || len(live.Activity.Identities) != sc.identities+1 {
				t.Errorf("live activity %+v: want %d declared identities", live.Activity, sc.identities+1)
			}
			live.Activity = nil
			// Every grant is newer than the use window: shown, never judged.
			if live.Use == nil {
				t.Error("the live audit has no use section")
			} else {
				for _, g := range live.Use.Grants {
					if g.Judged || g.Finding != "" {
						t.Errorf("live use: %+v judged, although granted just now", g)
					}
				}
			}
			live.Use = nil
			for _, c := range []struct {
				kind        string
				a           *api.IdentityAudit
				extra       int // the organization's bootstrapped admin, on the live server
				source      string
				hasChange   bool
				identitiesN int
			}{
				{"plan", plan, 0, api.AuditSourcePlan, true, sc.identities},
				{"state", state, 0, api.AuditSourceState, false, sc.identities},
				{"live", live, 1, api.AuditSourceLive, false, sc.identities},
			} {
				if c.a.Source != c.source || (c.a.Change != nil) != c.hasChange {
					t.Errorf("%s: source %q, change present %t", c.kind, c.a.Source, c.a.Change != nil)
				}
				if c.a.MachineIdentities != sc.identities+c.extra || c.a.DistinctPermissionSets != sc.sets+c.extra {
					t.Errorf("%s: %d identities, %d distinct permission sets; want %d and %d", c.kind,
						c.a.MachineIdentities, c.a.DistinctPermissionSets, sc.identities+c.extra, sc.sets+c.extra)
				}
				golden(t, sc.dir+"."+c.kind+".json", marshal(t, c.a))
			}
			if plan.Change.MachineIdentities != (api.AuditCount{Before: 0, After: sc.identities}) || len(plan.Change.IdentitiesAdded) != sc.identities {
				t.Errorf("plan from nothing: change %+v", plan.Change.MachineIdentities)
			}
			var text bytes.Buffer
			if err := identityaudit.WriteText(&text, state, nil); err != nil {
				t.Fatal(err)
			}
			golden(t, sc.dir+".state.txt", text.Bytes())
		})
	}
}

// A plan that moves an identity from staging to production and adds an
// organization admin: granted and revoked rows, the identity added and the
// findings it introduces, as JSON and as the Markdown of a PR comment.
func TestPlanDelta(t *testing.T) {
	srv := startServer(t)
	org := srv.NewOrganization(t, "delta")
	w := newWorkspace(t, srv, org, filepath.Join("testdata", "scenarios", "delta-before"))
	w.plan(t)
	w.apply(t)
	w.replaceConfig(t, filepath.Join("testdata", "scenarios", "delta-after"))
	a := auditJSON(t, w.plan(t))
	c := a.Change
	if c == nil {
		t.Fatal("a plan's audit has no change section")
	}
	gained := api.AuditGrantChange{Identity: "payments-api", Project: "payments", Environment: "prod", SecretPath: "/database/**", Subject: "secrets", Action: "read"}
	lost := gained
	lost.Environment = "staging"
	if !slices.Contains(c.Granted, gained) || !slices.Contains(c.Revoked, lost) {
		t.Errorf("granted %+v\nrevoked %+v", c.Granted, c.Revoked)
	}
	if !slices.Equal(c.IdentitiesAdded, []string{"payments-worker"}) || len(c.IdentitiesRemoved) != 0 {
		t.Errorf("added %v, removed %v", c.IdentitiesAdded, c.IdentitiesRemoved)
	}
	if c.MachineIdentities != (api.AuditCount{Before: 1, After: 2}) || c.DistinctPermissionSets != (api.AuditCount{Before: 1, After: 2}) {
		t.Errorf("counts %+v %+v", c.MachineIdentities, c.DistinctPermissionSets)
	}
	if !slices.ContainsFunc(c.FindingsIntroduced, func(f api.AuditFinding) bool {
		return f.Identity == "payments-worker" && f.Code == identityaudit.CodeOrgAdmin
	}) {
		t.Errorf("findings introduced %+v lack payments-worker's org-admin", c.FindingsIntroduced)
	}
	var md bytes.Buffer
	if err := identityaudit.WriteMarkdown(&md, a); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "payments-api gains `describe`, `read` on secrets in payments/prod at `/database/**`") {
		t.Errorf("markdown lacks the grant sentence:\n%s", md.String())
	}
	golden(t, "delta.plan.json", marshal(t, a))
	golden(t, "delta.plan.md", md.Bytes())
}

func auditJSON(t *testing.T, data []byte) *api.IdentityAudit {
	t.Helper()
	a, err := identityaudit.AuditTerraform(bytes.NewReader(data), identityaudit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func marshal(t *testing.T, a *api.IdentityAudit) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := identityaudit.WriteJSON(&b, a); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// secretPrefix masks the random part of client secret prefixes, which the
// live audit names secrets by.
var secretPrefix = regexp.MustCompile(`idp_cs_[A-Za-z0-9_-]+`)

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	got = secretPrefix.ReplaceAll(got, []byte("idp_cs_…"))
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run with -update after checking):\n%s", name, got)
	}
}

func startServer(t *testing.T) *servertest.Server {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("drives a real terraform: set TF_ACC=1 (make test does)")
	}
	return servertest.Start(t, servertest.Options{Backend: servertest.Postgres})
}

var (
	buildOnce   sync.Once
	providerDir string
	buildErr    error
)

// workspace is a Terraform working directory that uses the provider built
// from this repository through dev_overrides, against one organization.
type workspace struct {
	dir, terraform string
	env            []string
}

func newWorkspace(t *testing.T, srv *servertest.Server, org service.BootstrapResult, config string) *workspace {
	t.Helper()
	buildOnce.Do(func() {
		providerDir, buildErr = os.MkdirTemp("", "idplane-audit-provider-*")
		if buildErr == nil {
			out, err := exec.Command("go", "build", "-o", filepath.Join(providerDir, "terraform-provider-idplane"), "../../../provider").CombinedOutput()
			if err != nil {
				buildErr = fmt.Errorf("build provider: %v\n%s", err, out)
			}
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	w := &workspace{dir: t.TempDir(), terraform: terraformPath(t)}
	rc := filepath.Join(w.dir, ".terraformrc")
	body := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"idplane/idplane\" = %q\n  }\n  direct {}\n}\n", providerDir)
	if err := os.WriteFile(rc, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	w.env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+rc, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1",
		"IDPLANE_HOST="+srv.URL, "IDPLANE_CLIENT_ID="+org.ClientID, "IDPLANE_CLIENT_SECRET="+org.ClientSecret)
	w.replaceConfig(t, config)
	return w
}

func terraformPath(t *testing.T) string {
	if p := os.Getenv("TF_ACC_TERRAFORM_PATH"); p != "" {
		return p
	}
	out, err := exec.Command("go", "env", "GOPATH").Output()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "bin", "terraform")
}

const providerConfig = `terraform {
  required_providers {
    idplane = { source = "idplane/idplane" }
  }
}

provider "idplane" {}
`

func (w *workspace) replaceConfig(t *testing.T, dir string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(w.dir, "main.tf"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(w.dir, "provider.tf"), []byte(providerConfig), 0o600); err != nil {
		t.Fatal(err)
	}
}

func (w *workspace) run(t *testing.T, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	cmd := exec.CommandContext(ctx, w.terraform, args...)
	cmd.Dir, cmd.Env = w.dir, w.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("terraform %s: %v\n%s\n%s", strings.Join(args, " "), err, stderr.String(), stdout.String())
	}
	return stdout.Bytes()
}

// plan saves a plan and returns `terraform show -json` of it.
func (w *workspace) plan(t *testing.T) []byte {
	w.run(t, "plan", "-input=false", "-out=plan.out")
	return w.run(t, "show", "-json", "plan.out")
}

// apply applies the saved plan.
func (w *workspace) apply(t *testing.T) { w.run(t, "apply", "-input=false", "plan.out") }

// show returns `terraform show -json` of the state.
func (w *workspace) show(t *testing.T) []byte { return w.run(t, "show", "-json") }
