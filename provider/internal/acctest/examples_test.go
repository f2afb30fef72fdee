package acctest_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/idplane/idplane/provider/internal/acctest"
)

func TestMain(m *testing.M) { acctest.Main(m) }

// examplesDir is the repository's examples/, which tfplugindocs renders into
// docs/: applying every one of them keeps the documentation honest.
const examplesDir = "../../../examples"

func readTF(t *testing.T, dir string) string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.tf"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no .tf files in %s", dir)
	}
	var b strings.Builder
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(data)
		b.WriteString("\n")
	}
	return b.String()
}

// applyExample applies config against a fresh server with credentials in the
// environment (as a user would set them), then insists the next plan is empty.
func applyExample(t *testing.T, env *acctest.Env, config string) {
	t.Setenv("IDPLANE_HOST", env.Server.URL)
	t.Setenv("IDPLANE_CLIENT_ID", env.Server.Bootstrap.ClientID)
	t.Setenv("IDPLANE_CLIENT_SECRET", env.Server.Bootstrap.ClientSecret)
	t.Setenv("TF_VAR_idplane_host", env.Server.URL)
	t.Setenv("TF_VAR_idplane_client_id", env.Server.Bootstrap.ClientID)
	t.Setenv("TF_VAR_idplane_client_secret", env.Server.Bootstrap.ClientSecret)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.Factories,
		Steps: []resource.TestStep{
			{Config: config},
			{Config: config, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
		},
	})
}

var providerBlock = regexp.MustCompile(`(?m)^provider "idplane"`)

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
			config := readTF(t, dir)
			if !providerBlock.MatchString(config) {
				config = "provider \"idplane\" {}\n" + config
			}
			applyExample(t, acctest.New(t), config)
		})
	}
}

func TestProviderExamples(t *testing.T) {
	for _, f := range []string{"provider.tf", "provider-explicit.tf"} {
		t.Run(f, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(examplesDir, "provider", f))
			if err != nil {
				t.Fatal(err)
			}
			applyExample(t, acctest.New(t), string(data)+"\ndata \"idplane_identities\" \"all\" {}\n")
		})
	}
}

func TestQuickstart(t *testing.T) {
	// The quickstart names its provider source as users do: idplane/idplane.
	t.Setenv("TF_ACC_PROVIDER_NAMESPACE", "idplane")
	applyExample(t, acctest.New(t), readTF(t, filepath.Join(examplesDir, "quickstart")))
}
