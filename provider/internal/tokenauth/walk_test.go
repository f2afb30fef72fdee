package tokenauth_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/idplane/idplane/provider/internal/acctest"
	"github.com/idplane/idplane/server/api"
)

const identityAddr = "idplane_identity.ci"

// walk is one method's acceptance test: create, import, update, re-plan,
// drift, deletion outside Terraform and destroy, written once for all
// methods.
type walk struct {
	kind string // "oidc": the resource is idplane_identity_oidc_auth
	noun string // "OIDC auth", as messages name it

	// create is the method's body at creation; update its body after the
	// update (the token settings are added to it); reordered is update with
	// every set written in another order.
	create, update, reordered string
	// created and updated check the state after create and update.
	created, updated []resource.TestCheckFunc
	// importIgnore are the attributes an import cannot know: credentials
	// the API never answers.
	importIgnore []string

	// attach attaches the method outside Terraform, or replaces its
	// settings, with settings that differ from both create and update.
	attach func(ctx context.Context, c *api.Client, identityID string) error
	get    func(ctx context.Context, c *api.Client, identityID string) (any, error)
	detach func(c *api.Client, ctx context.Context, identityID string, version int64) error
}

// getter adapts a client's Get method to walk.get.
func getter[T any](get func(*api.Client, context.Context, string) (*T, error)) func(context.Context, *api.Client, string) (any, error) {
	return func(ctx context.Context, c *api.Client, identityID string) (any, error) {
		return get(c, ctx, identityID)
	}
}

func (w walk) typ() string  { return "idplane_identity_" + w.kind + "_auth" }
func (w walk) addr() string { return w.typ() + ".ci" }

// identityConfig is the identity the method under test attaches to.
func identityConfig(env *acctest.Env) string {
	return env.Config(`
resource "idplane_identity" "ci" {
  name = "ci"
  role = "no-access"
}
`)
}

// config is the identity and the method with body.
func (w walk) config(env *acctest.Env, body string) string {
	return identityConfig(env) + fmt.Sprintf("\nresource %q \"ci\" {\n  identity_id = idplane_identity.ci.id\n%s\n}\n", w.typ(), body)
}

// tokenSettings are the token settings of the update, with the trusted IPs
// in the given order; the use limit is an explicit zero, which must be sent.
func tokenSettings(ips string) string {
	return fmt.Sprintf(`
  access_token_ttl            = 600
  access_token_max_ttl        = 7200
  access_token_num_uses_limit = 0
  access_token_trusted_ips    = [%s]
`, ips)
}

// importPlanChecks expect an import block to plan an update exactly when
// the import cannot know some attribute.
func (w walk) importPlanChecks(addr string) resource.ImportPlanChecks {
	action := plancheck.ResourceActionNoop
	if len(w.importIgnore) > 0 {
		action = plancheck.ResourceActionUpdate
	}
	return resource.ImportPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, action)}}
}

func planAction(addr string, action plancheck.ResourceActionType) resource.ConfigPlanChecks {
	return resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, action)}}
}

// serverState is the method on the server as JSON, without its version and
// timestamps: what Terraform manages of it.
func (w walk) serverState(env *acctest.Env, identityID string) (string, error) {
	obj, err := w.get(context.Background(), env.API, identityID)
	if err != nil {
		return "", err
	}
	data, err := json.Marshal(obj)
	if err != nil {
		return "", err
	}
	var fields map[string]any
	if err := json.Unmarshal(data, &fields); err != nil {
		return "", err
	}
	for _, k := range []string{"version", "createdAt", "updatedAt"} {
		delete(fields, k)
	}
	data, err = json.Marshal(fields)
	return string(data), err
}

// remember stores the method on the server in dst; sameAs insists that it
// has not changed since.
func (w walk) remember(env *acctest.Env, identityID, dst *string) resource.TestCheckFunc {
	return func(*terraform.State) (err error) {
		*dst, err = w.serverState(env, *identityID)
		return err
	}
}

func (w walk) sameAs(env *acctest.Env, identityID, want *string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		got, err := w.serverState(env, *identityID)
		if err != nil {
			return err
		}
		if got != *want {
			return fmt.Errorf("server has\n  %s\nwant\n  %s", got, *want)
		}
		return nil
	}
}

func (w walk) run(t *testing.T) {
	env := acctest.New(t)
	ctx := context.Background()
	addr := w.addr()
	var identityID, updated string
	update := w.config(env, w.update+tokenSettings(`"10.0.0.0/8", "192.168.0.0/16"`))
	reordered := w.config(env, w.reordered+tokenSettings(`"192.168.0.0/16", "10.0.0.0/8"`))
	importID := func(*terraform.State) (string, error) { return identityID, nil }
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.Factories,
		CheckDestroy: env.CheckDestroyed(w.typ(), func(ctx context.Context, c *api.Client, a map[string]string) error {
			_, err := w.get(ctx, c, a["identity_id"])
			return err
		}),
		Steps: []resource.TestStep{
			{
				Config: w.config(env, w.create),
				Check: resource.ComposeAggregateTestCheckFunc(append([]resource.TestCheckFunc{
					acctest.Capture(identityAddr, "id", &identityID),
					resource.TestCheckResourceAttrPair(addr, "id", identityAddr, "id"),
					resource.TestCheckResourceAttrPair(addr, "identity_id", identityAddr, "id"),
					resource.TestCheckResourceAttr(addr, "version", "1"),
					resource.TestCheckResourceAttr(addr, "access_token_ttl", "3600"),
					resource.TestCheckResourceAttr(addr, "access_token_max_ttl", "86400"),
					resource.TestCheckResourceAttr(addr, "access_token_num_uses_limit", "0"),
					resource.TestCheckResourceAttr(addr, "access_token_trusted_ips.#", "2"),
					resource.TestCheckTypeSetElemAttr(addr, "access_token_trusted_ips.*", "0.0.0.0/0"),
					resource.TestCheckTypeSetElemAttr(addr, "access_token_trusted_ips.*", "::/0"),
				}, w.created...)...),
			},
			{ResourceName: addr, ImportState: true, ImportStateVerify: true, ImportStateIdFunc: importID, ImportStateVerifyIgnore: w.importIgnore},
			{ResourceName: addr, ImportState: true, ImportStateKind: resource.ImportBlockWithID, ImportStateIdFunc: importID,
				// What an import cannot know is sent again by the first apply.
				ExpectNonEmptyPlan: len(w.importIgnore) > 0, ImportPlanChecks: w.importPlanChecks(addr)},
			{
				Config:           update,
				ConfigPlanChecks: planAction(addr, plancheck.ResourceActionUpdate),
				Check: resource.ComposeAggregateTestCheckFunc(append([]resource.TestCheckFunc{
					resource.TestCheckResourceAttr(addr, "version", "2"),
					resource.TestCheckResourceAttr(addr, "access_token_ttl", "600"),
					resource.TestCheckResourceAttr(addr, "access_token_max_ttl", "7200"),
					resource.TestCheckResourceAttr(addr, "access_token_trusted_ips.#", "2"),
					resource.TestCheckTypeSetElemAttr(addr, "access_token_trusted_ips.*", "10.0.0.0/8"),
					w.remember(env, &identityID, &updated),
				}, w.updated...)...),
			},
			// The order of a set never makes a diff.
			{Config: reordered, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
			{
				// Changed outside Terraform: the plan puts it back.
				PreConfig: func() {
					if err := w.attach(ctx, env.API, identityID); err != nil {
						t.Fatal(err)
					}
				},
				Config:           update,
				ConfigPlanChecks: planAction(addr, plancheck.ResourceActionUpdate),
				Check:            w.sameAs(env, &identityID, &updated),
			},
			{
				// Detached outside Terraform: removed from state and attached again.
				PreConfig: func() {
					if err := w.detach(env.API, ctx, identityID, 0); err != nil {
						t.Fatal(err)
					}
				},
				Config:           update,
				ConfigPlanChecks: planAction(addr, plancheck.ResourceActionCreate),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(addr, "version", "1"),
					w.sameAs(env, &identityID, &updated),
				),
			},
			{
				// Removed from the configuration: detached, the identity stays.
				Config:           identityConfig(env),
				ConfigPlanChecks: planAction(addr, plancheck.ResourceActionDestroy),
				Check: func(*terraform.State) error {
					if _, err := env.API.GetIdentity(ctx, identityID); err != nil {
						return err
					}
					if _, err := w.get(ctx, env.API, identityID); !api.IsNotFound(err) {
						return fmt.Errorf("detached %s: want 404, got %v", w.typ(), err)
					}
					return nil
				},
			},
		},
	})
}

// planErrors plans each configuration of the method and expects the
// error, whose spaces may be line breaks: terraform wraps long messages.
func planErrors(t *testing.T, kind string, cases [][2]string) {
	env := acctest.New(t)
	w := walk{kind: kind}
	steps := make([]resource.TestStep, 0, len(cases))
	for _, c := range cases {
		re := regexp.MustCompile(strings.ReplaceAll(regexp.QuoteMeta(c[1]), " ", `\s+`))
		steps = append(steps, resource.TestStep{Config: w.config(env, c[0]), PlanOnly: true, ExpectError: re})
	}
	resource.Test(t, resource.TestCase{ProtoV6ProviderFactories: acctest.Factories, Steps: steps})
}

// A method attached outside Terraform is not silently taken over: the
// apply fails and says how to import it.
func TestAlreadyAttached(t *testing.T) {
	env := acctest.New(t)
	var identityID string
	steps := []resource.TestStep{{Config: identityConfig(env), Check: acctest.Capture(identityAddr, "id", &identityID)}}
	for _, w := range []walk{oidcWalk, jwtWalk, gcpWalk, azureWalk, kubernetesWalk, awsWalk, tlsCertWalk} {
		steps = append(steps, resource.TestStep{
			PreConfig: func() {
				if err := w.attach(context.Background(), env.API, identityID); err != nil {
					t.Fatal(err)
				}
			},
			Config: w.config(env, w.create),
			ExpectError: regexp.MustCompile(`already\s+has\s+` + strings.ReplaceAll(w.noun, " ", `\s+`) + `;\s+import\s+it\s+with\s+` +
				"`terraform\\s+import\\s+" + w.typ() + `\.<name>\s+[0-9a-f-]+` + "`"),
		})
	}
	resource.Test(t, resource.TestCase{ProtoV6ProviderFactories: acctest.Factories, Steps: steps})
}

// Test PEM blocks: a CA certificate, two public keys and the private key
// of the first.
var (
	caPEM               = newCAPEM(1, "idplane test CA")
	keyPEM1, privatePEM = newKeyPEM()
	keyPEM2, _          = newKeyPEM()
)

// newCAPEM is a self-signed CA certificate of a new key, as PEM.
func newCAPEM(serial int64, name string) string {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, priv)
	if err != nil {
		panic(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// newKeyPEM is a new Ed25519 key as PEM: its public key (PUBLIC KEY) and
// its private key (PRIVATE KEY).
func newKeyPEM() (public, private string) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	spki, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		panic(err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		panic(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: spki})), string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}))
}
