// Package acctest runs the provider's acceptance tests against a real
// idplane server started in-process on a fresh PostgreSQL database, driven by
// a real terraform binary.
package acctest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/idplane/idplane/provider/internal/provider"
	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/servertest"
)

// Factories serve the provider under test in-process.
var Factories = map[string]func() (tfprotov6.ProviderServer, error){
	"idplane": providerserver.NewProtocol6WithError(provider.New("test")()),
}

// Main wraps a package's acceptance tests: it points terraform-plugin-testing
// at the locally built terraform (never a download) and cleans up the
// PostgreSQL cluster afterwards.
func Main(m *testing.M) {
	if os.Getenv("TF_ACC_TERRAFORM_PATH") == "" {
		if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
			tf := filepath.Join(strings.TrimSpace(string(out)), "bin", "terraform")
			if _, err := os.Stat(tf); err == nil {
				os.Setenv("TF_ACC_TERRAFORM_PATH", tf)
			}
		}
	}
	os.Setenv("CHECKPOINT_DISABLE", "1")
	servertest.Main(m)
}

// Env is one test's server and an admin API client for out-of-band checks
// and changes.
type Env struct {
	Server *servertest.Server
	API    *api.Client
}

// New starts a fresh server on PostgreSQL for t.
func New(t *testing.T) *Env {
	t.Helper()
	return NewWith(t, servertest.Options{Backend: servertest.Postgres})
}

// NewWith starts a fresh server with opts, e.g. one that may reach a local
// identity provider.
func NewWith(t *testing.T, opts servertest.Options) *Env {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Fatal("acceptance tests need TF_ACC=1 (make test sets it)")
	}
	srv := servertest.Start(t, opts)
	return &Env{Server: srv, API: srv.Admin(t)}
}

// Config prefixes an HCL configuration with a provider block for the server.
func (e *Env) Config(hcl string) string { return e.ConfigAt(e.Server.URL, hcl) }

// ConfigAt is Config with the provider reaching the server at host, such as
// a proxy in front of it.
func (e *Env) ConfigAt(host, hcl string) string {
	return fmt.Sprintf(`provider "idplane" {
  host = %q
  auth = {
    universal = {
      client_id     = %q
      client_secret = %q
    }
  }
}
`, host, e.Server.Bootstrap.ClientID, e.Server.Bootstrap.ClientSecret) + hcl
}

// CheckDestroyed returns a CheckDestroy that insists every resource of the
// given type is gone with a 404 — any other error fails the test.
func (e *Env) CheckDestroyed(resourceType string, get func(ctx context.Context, c *api.Client, attrs map[string]string) error) func(*terraform.State) error {
	return func(s *terraform.State) error {
		for _, rs := range s.RootModule().Resources {
			if rs.Type != resourceType {
				continue
			}
			err := get(context.Background(), e.API, rs.Primary.Attributes)
			if err == nil {
				return fmt.Errorf("%s %s still exists after destroy", resourceType, rs.Primary.ID)
			}
			if !api.IsNotFound(err) {
				return fmt.Errorf("%s %s: expected 404 after destroy, got %w", resourceType, rs.Primary.ID, err)
			}
		}
		return nil
	}
}

// Attr reads an attribute of a resource in state, for out-of-band changes
// in PreConfig.
func Attr(s *terraform.State, address, key string) (string, error) {
	rs, ok := s.RootModule().Resources[address]
	if !ok {
		return "", fmt.Errorf("resource %s not in state", address)
	}
	v, ok := rs.Primary.Attributes[key]
	if !ok {
		return "", fmt.Errorf("resource %s has no attribute %s", address, key)
	}
	return v, nil
}

// Capture returns a check that stores an attribute of a resource for later
// steps (PreConfig functions that change the object out of band).
func Capture(address, key string, dst *string) func(*terraform.State) error {
	return func(s *terraform.State) error {
		v, err := Attr(s, address, key)
		*dst = v
		return err
	}
}
