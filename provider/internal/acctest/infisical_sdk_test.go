package acctest_test

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	infisical "github.com/infisical/go-sdk"
	sdkerrors "github.com/infisical/go-sdk/packages/errors"

	"github.com/idplane/idplane/provider/internal/acctest"
	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/platformtest"
	"github.com/idplane/idplane/server/servertest"
)

// sdkPlace is where a secret is: environment, folder path and key ("" for
// a listing).
type sdkPlace struct{ env, path, key string }

// String is the place as servertest.SecretReads names it.
func (p sdkPlace) String() string { return strings.TrimSpace(p.env + ":" + p.path + " " + p.key) }

// An identity created with Terraform, with Kubernetes auth against a
// cluster (a fake API server answering TokenReviews) and a project role
// that reads dev:/app/** but not dev:/app/private/**, logs in through
// Infisical's Go SDK with its service account token file. It lists and
// retrieves exactly what the role allows, is refused the rest with the
// reason the SDK shows, and every read, allowed or refused, is an audit
// event naming identity, project, environment, path and key (and the
// version read) without ever holding a value. When Terraform drops the
// deny rule, the same token reads the secret the rule kept back.
func TestInfisicalGoSDKReadsWhatTerraformGrants(t *testing.T) {
	k8s := platformtest.NewKubernetes(t)
	env := acctest.NewWith(t, servertest.Options{Backend: servertest.Postgres, AllowInternalOutbound: true})
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(k8s.Token(platformtest.ServiceAccount{Namespace: "shop", Name: "web"})), 0o600); err != nil {
		t.Fatal(err)
	}
	config := func(denyPrivate bool) string {
		deny := ""
		if denyPrivate {
			deny = `
    {
      subject    = "secrets"
      actions    = ["read"]
      inverted   = true
      conditions = { environments = ["dev"], secret_paths = ["/app/private/**"] }
    },`
		}
		return env.Config(fmt.Sprintf(`
resource "idplane_project" "shop" {
  name = "Shop"
  slug = "shop"
}

resource "idplane_project_environment" "dev" {
  project_id = idplane_project.shop.id
  name       = "Development"
  slug       = "dev"
  position   = 1
}

resource "idplane_project_environment" "staging" {
  project_id = idplane_project.shop.id
  name       = "Staging"
  slug       = "staging"
  position   = 2
}

resource "idplane_identity" "web" {
  name = "shop-web"
  role = "no-access"
}

resource "idplane_identity_kubernetes_auth" "web" {
  identity_id                   = idplane_identity.web.id
  kubernetes_host               = %q
  kubernetes_ca_certificate     = %q
  token_reviewer_jwt            = %q
  allowed_namespaces            = ["shop"]
  allowed_service_account_names = ["web"]
}

resource "idplane_project_role" "runtime" {
  project_id = idplane_project.shop.id
  slug       = "web-runtime"
  name       = "Web runtime"
  permissions = [
    {
      subject    = "secrets"
      actions    = ["describe", "read"]
      conditions = { environments = ["dev"], secret_paths = ["/app/**"] }
    },%s
  ]
}

resource "idplane_project_identity" "web" {
  project_id  = idplane_project.shop.id
  identity_id = idplane_identity.web.id
  roles       = [{ role_slug = idplane_project_role.runtime.slug }]
}
`, k8s.URL, k8s.CAPEM, k8s.ReviewerToken(), deny))
	}

	allowed := []sdkPlace{{"dev", "/app/web", "API_KEY"}, {"dev", "/app/web", "DB_URL"}, {"dev", "/app/web/cache", "REDIS_URL"}}
	private := sdkPlace{"dev", "/app/private/keys", "SIGNING_KEY"}
	refused := map[sdkPlace]string{
		private:                           `a deny rule of project role "web-runtime" refuses read on secrets at dev:/app/private/keys`,
		{"staging", "/app/web", "DB_URL"}: `no rule grants read on secrets at staging:/app/web`,
		{"dev", "/ops", "DEPLOY_TOKEN"}:   `no rule grants read on secrets at dev:/ops`,
	}
	// A listing where nothing may be read is refused as a whole; its audit
	// event names no key.
	stagingList := sdkPlace{"staging", "/app", ""}
	reasons := maps.Clone(refused)
	reasons[stagingList] = `no rule grants read on secrets at staging:/app`
	values := map[sdkPlace]string{}
	var projectID, identityID string
	var sdk infisical.InfisicalClientInterface

	// setUp runs after the first apply: the admin writes the secrets, and
	// the workload logs in through the SDK.
	setUp := func(s *terraform.State) error {
		var err error
		if projectID, err = acctest.Attr(s, "idplane_project.shop", "id"); err != nil {
			return err
		}
		if identityID, err = acctest.Attr(s, "idplane_identity.web", "id"); err != nil {
			return err
		}
		places := slices.Concat(allowed, slices.Collect(maps.Keys(refused)))
		for _, p := range places {
			values[p] = "value-of-" + p.key + "-" + randomHex()
			if _, err := env.API.CreateSecret(t.Context(), p.key, api.SecretCreate{WorkspaceID: projectID, Environment: p.env,
				SecretPath: p.path, SecretValue: values[p]}); err != nil {
				return fmt.Errorf("create %s: %w", p, err)
			}
		}
		off := false
		sdk = infisical.NewInfisicalClient(t.Context(), infisical.Config{SiteUrl: env.Server.URL, AutoTokenRefresh: &off, SilentMode: true})
		cred, err := sdk.Auth().KubernetesAuthLogin(identityID, tokenFile)
		if err != nil {
			return fmt.Errorf("KubernetesAuthLogin: %w", err)
		}
		if cred.AccessToken == "" || cred.TokenType != "Bearer" {
			return fmt.Errorf("KubernetesAuthLogin answered %+v", cred)
		}
		return nil
	}

	// reads lists dev:/app recursively and retrieves every secret; want
	// is what may be read, the rest must be refused with its reason.
	reads := func(want []sdkPlace) error {
		list, err := sdk.Secrets().List(infisical.ListSecretsOptions{ProjectID: projectID, Environment: "dev", SecretPath: "/app", Recursive: true})
		if err != nil {
			return fmt.Errorf("List dev:/app: %w", err)
		}
		var got, wantList []string
		for _, s := range list {
			got = append(got, s.SecretPath+"/"+s.SecretKey+"="+s.SecretValue)
		}
		for _, p := range want {
			if p.env == "dev" && strings.HasPrefix(p.path, "/app/") {
				wantList = append(wantList, p.path+"/"+p.key+"="+values[p])
			}
		}
		slices.Sort(got)
		slices.Sort(wantList)
		if !slices.Equal(got, wantList) {
			return fmt.Errorf("List dev:/app returned %v, want %v", got, wantList)
		}
		_, err = sdk.Secrets().List(infisical.ListSecretsOptions{ProjectID: projectID, Environment: "staging", SecretPath: "/app", Recursive: true})
		if err := refusedWith(err, reasons[stagingList]); err != nil {
			return fmt.Errorf("List staging:/app: %w", err)
		}
		for _, p := range want {
			s, err := sdk.Secrets().Retrieve(infisical.RetrieveSecretOptions{ProjectID: projectID, Environment: p.env, SecretPath: p.path, SecretKey: p.key})
			if err != nil {
				return fmt.Errorf("Retrieve %s: %w", p, err)
			}
			if s.SecretValue != values[p] || s.Version != 1 || s.SecretPath != p.path || s.Environment != p.env {
				return fmt.Errorf("Retrieve %s answered %+v", p, s)
			}
		}
		for p, reason := range refused {
			if slices.Contains(want, p) {
				continue
			}
			_, err := sdk.Secrets().Retrieve(infisical.RetrieveSecretOptions{ProjectID: projectID, Environment: p.env, SecretPath: p.path, SecretKey: p.key})
			if err := refusedWith(err, reason); err != nil {
				return fmt.Errorf("Retrieve %s: %w", p, err)
			}
		}
		return nil
	}

	// audited compares the identity's secret.read audit events with the
	// reads made: so many successes (version 1) and refusals (with their
	// reason) per place; no event may hold a value.
	audited := func(reads, refusals map[sdkPlace]int) error {
		want := map[string]int{}
		for p, n := range reads {
			want["read "+p.String()+" v1"] = n
		}
		for p, n := range refusals {
			want["refused "+p.String()+": "+reasons[p]] = n
		}
		got, err := servertest.SecretReads(t.Context(), env.API, identityID, projectID, slices.Collect(maps.Values(values)))
		if err != nil {
			return err
		}
		if !maps.Equal(got, want) {
			return fmt.Errorf("secret.read audit events %v, want %v", got, want)
		}
		return nil
	}

	firstReads := func(*terraform.State) error {
		if err := reads(allowed); err != nil {
			return err
		}
		ok, failed := map[sdkPlace]int{}, map[sdkPlace]int{stagingList: 1}
		for _, p := range allowed {
			ok[p] = 2 // listed, then retrieved
		}
		for p := range refused {
			failed[p] = 1
		}
		return audited(ok, failed)
	}
	// Without the deny rule the same token lists and retrieves the
	// private secret too; the other refusals stand.
	secondReads := func(*terraform.State) error {
		if err := reads(append(slices.Clone(allowed), private)); err != nil {
			return err
		}
		ok, failed := map[sdkPlace]int{private: 2}, map[sdkPlace]int{private: 1, stagingList: 2}
		for _, p := range allowed {
			ok[p] = 4
		}
		for p := range refused {
			if p != private {
				failed[p] = 2
			}
		}
		return audited(ok, failed)
	}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.Factories,
		Steps: []resource.TestStep{
			{Config: config(true), Check: resource.ComposeTestCheckFunc(setUp, firstReads)},
			{Config: config(false), Check: secondReads},
		},
	})
}

// refusedWith checks that err is the SDK's API error for a 403 whose
// message, as the SDK shows it, is reason (the server's problem detail:
// the reason, then the error kind).
func refusedWith(err error, reason string) error {
	var apiErr *sdkerrors.APIError
	if !errors.As(err, &apiErr) {
		return fmt.Errorf("want a refusal %q, got %v", reason, err)
	}
	if apiErr.StatusCode != http.StatusForbidden || apiErr.ErrorMessage != reason+": forbidden" {
		return fmt.Errorf("refused with status %d and message %q, want 403 and %q", apiErr.StatusCode, apiErr.ErrorMessage, reason+": forbidden")
	}
	return nil
}

func randomHex() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
