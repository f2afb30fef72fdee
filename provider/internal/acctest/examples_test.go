package acctest_test

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-exec/tfexec"

	"github.com/idplane/idplane/provider/internal/acctest"
	"github.com/idplane/idplane/server/api"
)

func TestMain(m *testing.M) { acctest.Main(m) }

// examplesDir is the repository's examples/, which tfplugindocs renders into
// docs/: applying every one of them keeps the documentation honest.
const examplesDir = "../../../examples"

var (
	buildOnce   sync.Once
	providerDir string
	buildErr    error
)

// cliConfig builds the provider binary once and returns a Terraform CLI
// configuration that uses it through dev_overrides, as `make demo` does:
// the examples run exactly as a user runs them, for_each and all.
func cliConfig(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		providerDir, buildErr = os.MkdirTemp("", "idplane-provider-*")
		if buildErr != nil {
			return
		}
		out, err := exec.Command("go", "build", "-o", filepath.Join(providerDir, "terraform-provider-idplane"), "../../").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("build provider: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	rc := filepath.Join(t.TempDir(), "terraformrc")
	body := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"idplane/idplane\" = %q\n  }\n  direct {}\n}\n", providerDir)
	if err := os.WriteFile(rc, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return rc
}

const requiredProviders = `terraform {
  required_providers {
    idplane = { source = "idplane/idplane" }
  }
}
`

// applyExample copies the .tf files of dir, applies them against a fresh
// server with the credentials in the environment (as a user sets them),
// insists that the next plan is empty, and destroys everything.
func applyExample(t *testing.T, dir string, extra string) {
	runExample(t, dir, extra, nil, nil)
}

// runExample is applyExample, with applied (when set) called on the working
// directory between the empty plan and the destroy; or, with refused set, a
// plan that must fail with an error matching it (an example a Terraform
// release cannot run).
func runExample(t *testing.T, dir string, extra string, refused *regexp.Regexp, applied func(work string, env *acctest.Env), vars ...string) {
	files, err := filepath.Glob(filepath.Join(dir, "*.tf"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no .tf files in %s", dir)
	}
	env := acctest.New(t)
	work := t.TempDir()
	all := extra
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		all += string(data)
		if err := os.WriteFile(filepath.Join(work, filepath.Base(f)), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if !strings.Contains(all, "required_providers") {
		extra = requiredProviders + extra
	}
	if !strings.Contains(all, `provider "idplane"`) {
		extra += "provider \"idplane\" {}\n"
	}
	if err := os.WriteFile(filepath.Join(work, "zz_test.tf"), []byte(extra), 0o600); err != nil {
		t.Fatal(err)
	}
	tf, err := tfexec.NewTerraform(work, os.Getenv("TF_ACC_TERRAFORM_PATH"))
	if err != nil {
		t.Fatal(err)
	}
	err = tf.SetEnv(map[string]string{
		"TF_CLI_CONFIG_FILE":    cliConfig(t),
		"CHECKPOINT_DISABLE":    "1",
		"IDPLANE_HOST":          env.Server.URL,
		"IDPLANE_CLIENT_ID":     env.Server.Bootstrap.ClientID,
		"IDPLANE_CLIENT_SECRET": env.Server.Bootstrap.ClientSecret,
	})
	if err != nil {
		t.Fatal(err)
	}
	var applyOpts []tfexec.ApplyOption
	var planOpts []tfexec.PlanOption
	var destroyOpts []tfexec.DestroyOption
	if strings.Contains(all, `variable "idplane_client_secret"`) {
		for _, v := range []string{"idplane_host=" + env.Server.URL, "idplane_client_id=" + env.Server.Bootstrap.ClientID,
			"idplane_client_secret=" + env.Server.Bootstrap.ClientSecret} {
			applyOpts = append(applyOpts, tfexec.Var(v))
			planOpts = append(planOpts, tfexec.Var(v))
			destroyOpts = append(destroyOpts, tfexec.Var(v))
		}
	}
	for _, v := range vars {
		applyOpts = append(applyOpts, tfexec.Var(v))
		planOpts = append(planOpts, tfexec.Var(v))
		destroyOpts = append(destroyOpts, tfexec.Var(v))
	}
	ctx := context.Background()
	if refused != nil {
		err := tf.Init(ctx)
		if err == nil {
			_, err = tf.Plan(ctx, planOpts...)
		}
		if err == nil || !refused.MatchString(err.Error()) {
			t.Fatalf("%s: want an error matching %q, got %v", dir, refused, err)
		}
		return
	}
	if err := tf.Apply(ctx, applyOpts...); err != nil {
		t.Fatalf("apply %s: %v", dir, err)
	}
	changes, err := tf.Plan(ctx, planOpts...)
	if err != nil {
		t.Fatalf("plan %s: %v", dir, err)
	}
	if changes {
		t.Errorf("plan after apply of %s is not empty", dir)
	}
	if applied != nil {
		applied(work, env)
	}
	// Delete protection works as documented: lift it, then destroy.
	for _, f := range files {
		data, _ := os.ReadFile(f)
		lifted := strings.ReplaceAll(string(data), "delete_protection = true", "delete_protection = false")
		if err := os.WriteFile(filepath.Join(work, filepath.Base(f)), []byte(lifted), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := tf.Apply(ctx, applyOpts...); err != nil {
		t.Fatalf("apply %s without delete protection: %v", dir, err)
	}
	if err := tf.Destroy(ctx, destroyOpts...); err != nil {
		t.Fatalf("destroy %s: %v", dir, err)
	}
	ids, err := env.API.ListIdentities(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids.Identities) != 1 {
		t.Errorf("destroy of %s left %d identities besides the admin", dir, len(ids.Identities)-1)
	}
}

func TestExamples(t *testing.T) {
	var dirs []string
	for _, kind := range []string{"resources", "data-sources"} {
		matches, err := filepath.Glob(filepath.Join(examplesDir, kind, "*"))
		if err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, matches...)
	}
	if len(dirs) < 13 {
		t.Fatalf("found only %d example directories under %s", len(dirs), examplesDir)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(filepath.Dir(dir))+"/"+filepath.Base(dir), func(t *testing.T) {
			applyExample(t, dir, "")
		})
	}
}

// The provider examples configure the provider only; a data source gives
// Terraform something to do with it.
func TestProviderExamples(t *testing.T) {
	for _, f := range []string{"provider.tf", "provider-explicit.tf"} {
		t.Run(f, func(t *testing.T) {
			dir := t.TempDir()
			data, err := os.ReadFile(filepath.Join(examplesDir, "provider", f))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, f), data, 0o600); err != nil {
				t.Fatal(err)
			}
			applyExample(t, dir, "data \"idplane_identities\" \"all\" {}\n")
		})
	}
}

// The guides' configurations are applied like the examples.
func TestGuideExamples(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join(examplesDir, "guides", "*"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no guide examples under %s (%v)", examplesDir, err)
	}
	for _, dir := range dirs {
		if filepath.Base(dir) == credentialsGuide {
			continue // TestCredentialsOutOfStateGuide applies it, with its variable
		}
		t.Run(filepath.Base(dir), func(t *testing.T) { applyExample(t, dir, "") })
	}
}

// Each guide's directory works when copied alone into a repository: it
// names the provider's source itself (required_providers), so Terraform
// does not look for a hashicorp/idplane that does not exist, and it
// validates against the local build.
func TestGuideExamplesStandAlone(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join(examplesDir, "guides", "*"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no guide examples under %s (%v)", examplesDir, err)
	}
	// "idplane/idplane" means the registry of the release running the tests.
	want := "provider[" + cmp.Or(os.Getenv("TF_ACC_PROVIDER_HOST"), "registry.terraform.io") + "/idplane/idplane]"
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			work := t.TempDir()
			copyTF(t, dir, work, nil)
			cmd := exec.Command(os.Getenv("TF_ACC_TERRAFORM_PATH"), "providers")
			cmd.Dir = work
			cmd.Env = []string{"TF_CLI_CONFIG_FILE=" + cliConfig(t), "CHECKPOINT_DISABLE=1"}
			out, err := cmd.CombinedOutput()
			if filepath.Base(dir) == credentialsGuide && !acctest.SupportsWriteOnly() {
				// Its ephemeral variable needs a release that has them.
				if err == nil || !strings.Contains(string(out), `An argument named "ephemeral" is not expected here`) {
					t.Fatalf("terraform providers in a copy of %s: %v, want the refusal of its ephemeral variable\n%s", dir, err, out)
				}
				return
			}
			if err != nil {
				t.Fatalf("terraform providers in a copy of %s: %v\n%s", dir, err, out)
			}
			if got := regexp.MustCompile(`provider\[[^\]]+\]`).FindAllString(string(out), -1); len(got) != 1 || got[0] != want {
				t.Fatalf("%s copied alone requires %v, want only %s:\n%s", dir, got, want, out)
			}
			tf, err := tfexec.NewTerraform(work, os.Getenv("TF_ACC_TERRAFORM_PATH"))
			if err != nil {
				t.Fatal(err)
			}
			if err := tf.SetEnv(map[string]string{"TF_CLI_CONFIG_FILE": cliConfig(t), "CHECKPOINT_DISABLE": "1"}); err != nil {
				t.Fatal(err)
			}
			if _, err := tf.Validate(context.Background()); err != nil {
				t.Fatalf("%s copied alone does not validate: %v", dir, err)
			}
		})
	}
}

const credentialsGuide = "credentials-out-of-state"

// The guide's client secret comes from an ephemeral variable: it logs in,
// and it is nowhere in the state file. A release without ephemeral values
// and write-only arguments refuses the configuration.
func TestCredentialsOutOfStateGuide(t *testing.T) {
	dir := filepath.Join(examplesDir, "guides", credentialsGuide)
	if !acctest.SupportsWriteOnly() {
		runExample(t, dir, "", regexp.MustCompile(`An argument named "ephemeral" is not expected here`), nil)
		return
	}
	const value = "Zq8#kP2v!Lm9@xR4$tW7%nB3^cY6&hJ1*dF5"
	runExample(t, dir, "", nil, func(work string, env *acctest.Env) {
		state, err := os.ReadFile(filepath.Join(work, "terraform.tfstate"))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(state), value) || !strings.Contains(string(state), `"client_secret_wo_version":1`) {
			t.Fatalf("the state file holds the client secret, or no client secret resource: %s", state)
		}
		var st struct {
			Resources []struct {
				Type      string `json:"type"`
				Instances []struct {
					Attributes map[string]any `json:"attributes"`
				} `json:"instances"`
			} `json:"resources"`
		}
		if err := json.Unmarshal(state, &st); err != nil {
			t.Fatal(err)
		}
		for _, r := range st.Resources {
			if r.Type != "idplane_identity_universal_auth" {
				continue
			}
			clientID, _ := r.Instances[0].Attributes["client_id"].(string)
			_, err := env.Server.Client(t).Login(context.Background(), api.UniversalAuthLoginRequest{ClientID: clientID, ClientSecret: value})
			if err != nil {
				t.Fatalf("the write-only client secret does not log in: %v", err)
			}
			return
		}
		t.Fatal("no universal auth in the state file")
	}, "client_secret="+value)
}

// Ephemeral resources run where the release has them; an older release
// refuses their blocks, and the rest of the provider is unaffected.
func TestEphemeralExamples(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join(examplesDir, "ephemeral-resources", "*"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no ephemeral resource examples under %s (%v)", examplesDir, err)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			if acctest.SupportsWriteOnly() {
				applyExample(t, dir, "")
				return
			}
			runExample(t, dir, "", regexp.MustCompile(`Blocks of type "ephemeral" are not expected here`), nil)
		})
	}
}

// The example of idplane_access_token hands a run-long token to another
// provider configuration: the token is in neither the state file nor the
// plan, and Terraform's closing of the ephemeral resource revoked it.
func TestAccessTokenLeavesNoTrace(t *testing.T) {
	dir := filepath.Join(examplesDir, "ephemeral-resources", "idplane_access_token")
	if !acctest.SupportsWriteOnly() {
		runExample(t, dir, "", regexp.MustCompile(`Blocks of type "ephemeral" are not expected here`), nil)
		return
	}
	runExample(t, dir, "", nil, func(work string, env *acctest.Env) {
		state, err := os.ReadFile(filepath.Join(work, "terraform.tfstate"))
		if err != nil {
			t.Fatal(err)
		}
		// Every access token starts with the same JOSE header.
		if strings.Contains(string(state), "eyJhbGciOiJFZERTQSI") {
			t.Errorf("an access token is in the state file")
		}
		if !strings.Contains(string(state), `"idplane_identity"`) {
			t.Errorf("the state file holds no identity: %s", state)
		}
		admin := env.Server.Bootstrap.IdentityID
		ev, err := env.API.ListAuditEvents(context.Background(), api.AuditEventFilter{Action: "token.revoke", ActorID: admin})
		if err != nil {
			t.Fatal(err)
		}
		if len(ev.Events) == 0 {
			t.Errorf("the run-long tokens were not revoked when the runs closed them")
		}
	})
}

// The quickstart applies cleanly, and what make demo shows of it holds: the
// ci-deploy workload logs in with its client secret from the outputs, reads
// its staging secret and is refused the application's, with the reason.
func TestQuickstart(t *testing.T) {
	runExample(t, filepath.Join(examplesDir, "quickstart"), "", nil, func(work string, env *acctest.Env) {
		raw, err := os.ReadFile(filepath.Join(work, "terraform.tfstate"))
		if err != nil {
			t.Fatal(err)
		}
		var st struct {
			Outputs map[string]struct {
				Value map[string]string `json:"value"`
			} `json:"outputs"`
		}
		if err := json.Unmarshal(raw, &st); err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		login, err := env.Server.Client(t).Login(ctx, api.UniversalAuthLoginRequest{
			ClientID: st.Outputs["client_ids"].Value["ci-deploy"], ClientSecret: st.Outputs["client_secrets"].Value["ci-deploy"]})
		if err != nil {
			t.Fatalf("ci-deploy login: %v", err)
		}
		ciDeploy := env.Server.Client(t, api.WithToken(login.AccessToken))
		s, err := ciDeploy.GetSecret(ctx, "RELEASE_WEBHOOK_URL", api.SecretGetQuery{WorkspaceSlug: "webshop", Environment: "staging", SecretPath: "/deploy/hooks"})
		if err != nil || s.Version != 1 || !strings.HasPrefix(s.SecretValue, "https://") {
			t.Fatalf("ci-deploy reads its secret: %+v, %v", s, err)
		}
		_, err = ciDeploy.GetSecret(ctx, "DATABASE_URL", api.SecretGetQuery{WorkspaceSlug: "webshop", Environment: "staging", SecretPath: "/app/db"})
		if !api.IsStatus(err, 403) || !strings.Contains(err.Error(), "/app/db") {
			t.Fatalf("ci-deploy reads the application's secret: want 403 naming /app/db, got %v", err)
		}
	})
}
