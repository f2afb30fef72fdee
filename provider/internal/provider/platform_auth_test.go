package provider_test

import (
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/idplane/idplane/provider/internal/acctest"
	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/platformtest"
	"github.com/idplane/idplane/server/servertest"
)

// platformEnv is a server and an admin identity that logs in with the
// given auth method.
type platformEnv struct {
	*acctest.Env
	identity string
}

func newPlatformEnv(t *testing.T, opts servertest.Options) *platformEnv {
	t.Helper()
	opts.Backend = servertest.Postgres
	env := acctest.NewWith(t, opts)
	id, err := env.API.CreateIdentity(t.Context(), api.IdentityInput{Name: "terraform-workload", Role: "admin"})
	if err != nil {
		t.Fatal(err)
	}
	return &platformEnv{Env: env, identity: id.ID}
}

func (e *platformEnv) config(auth string) string {
	return (&oidcEnv{Env: e.Env}).config(auth)
}

// wantLogin checks that the identity logged in through action (a
// successful audit event) since the test began.
func (e *platformEnv) wantLogin(t *testing.T, action string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		l, err := e.API.ListAuditEvents(t.Context(), api.AuditEventFilter{Action: action, ActorID: e.identity, Outcome: api.OutcomeSuccess})
		if err != nil {
			return err
		}
		if len(l.Events) == 0 {
			return fmt.Errorf("no successful %s of identity %s", action, e.identity)
		}
		return nil
	}
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

// A pod's provider logs in with the token file the kubelet rotates: it is
// read at every login.
func TestProviderLogsInWithKubernetesToken(t *testing.T) {
	k8s := platformtest.NewKubernetes(t)
	e := newPlatformEnv(t, servertest.Options{AllowInternalOutbound: true})
	_, err := e.API.PutKubernetesAuth(t.Context(), e.identity, 0, api.KubernetesAuthInput{TokenReviewerJWT: new(k8s.ReviewerToken()),
		KubernetesAuthConfig: api.KubernetesAuthConfig{KubernetesHost: k8s.URL, KubernetesCACertificate: k8s.CAPEM,
			AllowedNamespaces: []string{"ci"}, AllowedServiceAccountNames: []string{"terraform"}, AllowedAudience: "idplane"}})
	if err != nil {
		t.Fatal(err)
	}
	pod := platformtest.ServiceAccount{Namespace: "ci", Name: "terraform", Audiences: []string{"idplane"}}
	other := platformtest.ServiceAccount{Namespace: "default", Name: "terraform", Audiences: []string{"idplane"}}
	file := filepath.Join(t.TempDir(), "token")
	auth := fmt.Sprintf(`kubernetes = { identity_id = %q, service_account_token_path = %q }`, e.identity, file)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.Factories,
		Steps: []resource.TestStep{
			{
				PreConfig: func() { writeFile(t, file, k8s.Token(pod)+"\n") },
				Config:    e.config(auth),
				Check: resource.ComposeAggregateTestCheckFunc(resource.TestCheckResourceAttrSet("idplane_project.p", "id"),
					e.wantLogin(t, "login.kubernetes-auth")),
			},
			{
				PreConfig:   func() { writeFile(t, file, k8s.Token(other)) },
				Config:      e.config(auth),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`namespace is not allowed`),
			},
			{
				PreConfig: func() { writeFile(t, file, k8s.Token(pod)) },
				Config:    e.config(auth),
				PlanOnly:  true,
			},
			{
				Config:      e.config(fmt.Sprintf(`kubernetes = { identity_id = %q, service_account_token_path = %q }`, e.identity, file+".missing")),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`read token file`),
			},
			{Config: e.config(auth), PlanOnly: true},
		},
	})
}

// On AWS the provider signs GetCallerIdentity with the default chain's
// credentials (here AWS_* variables naming the fake STS's principal), the
// server ID inside the signature.
func TestProviderLogsInWithAWSCredentials(t *testing.T) {
	sts := platformtest.NewSTS(t)
	sts.AddCredentials("AKIDTERRAFORMCI", platformtest.Principal{SecretAccessKey: "terraform-ci-secret", Account: "123456789012",
		Arn: "arn:aws:sts::123456789012:assumed-role/terraform-ci/i-0123456789abcdef0", UserID: "AROAEXAMPLE:i-0123456789abcdef0"})
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM([]byte(sts.CAPEM))
	e := newPlatformEnv(t, servertest.Options{AllowInternalOutbound: true, OutboundRoots: roots})
	_, err := e.API.PutAWSAuth(t.Context(), e.identity, 0, api.AWSAuthInput{AWSAuthConfig: api.AWSAuthConfig{
		AllowedAccountIDs: []string{"123456789012"}, AllowedPrincipalArns: []string{"arn:aws:iam::123456789012:role/terraform-ci"},
		STSEndpoint: sts.URL, STSRegion: "eu-west-1", ServerID: "idplane-test"}})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for k, v := range map[string]string{"AWS_ACCESS_KEY_ID": "AKIDTERRAFORMCI", "AWS_SECRET_ACCESS_KEY": "terraform-ci-secret",
		"AWS_SESSION_TOKEN": "", "AWS_PROFILE": "", "AWS_REGION": "eu-west-1", "AWS_EC2_METADATA_DISABLED": "true",
		"AWS_CONFIG_FILE": filepath.Join(dir, "config"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials")} {
		t.Setenv(k, v)
	}
	block := func(serverID string) string {
		return fmt.Sprintf(`aws = { identity_id = %q, server_id = %q, sts_endpoint = %q }`, e.identity, serverID, sts.URL)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.Factories,
		Steps: []resource.TestStep{
			{
				Config: e.config(block("idplane-test")),
				Check: resource.ComposeAggregateTestCheckFunc(resource.TestCheckResourceAttrSet("idplane_project.p", "id"),
					e.wantLogin(t, "login.aws-auth"),
					func(*terraform.State) error {
						if sts.Accepted.Load() == 0 {
							return fmt.Errorf("STS verified no signature")
						}
						return nil
					}),
			},
			{
				// A request signed for another server is refused before STS is called.
				PreConfig:   func() { sts.Calls.Store(0) },
				Config:      e.config(block("another-server")),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`X-Idplane-Server-Id\s+header\s+names\s+another\s+server`),
			},
			{
				PreConfig: func() {
					if n := sts.Calls.Load(); n != 0 {
						t.Fatalf("a request signed for another server reached STS (%d calls)", n)
					}
					t.Setenv("AWS_SECRET_ACCESS_KEY", "wrong")
				},
				Config:      e.config(block("idplane-test")),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`STS\s+refused\s+the\s+signed\s+request`),
			},
			{
				PreConfig: func() { t.Setenv("AWS_SECRET_ACCESS_KEY", "terraform-ci-secret") },
				Config:    e.config(block("idplane-test")),
				PlanOnly:  true,
			},
		},
	})
}

// With --tls-client-certs request the provider presents the workload's
// certificate (a SPIFFE X.509-SVID here) on its HTTPS connections.
func TestProviderLogsInWithClientCertificate(t *testing.T) {
	e := newPlatformEnv(t, servertest.Options{TLSClientCerts: true})
	ca := platformtest.NewCA(t, "prod.example.org SPIFFE CA")
	_, err := e.API.PutTLSCertAuth(t.Context(), e.identity, 0, api.TLSCertAuthInput{TLSCertAuthConfig: api.TLSCertAuthConfig{
		CACertificate: ca.PEM(), AllowedSubjectAltNames: []string{"URI:spiffe://prod.example.org/ns/ci/sa/terraform"}}})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	serverCA, certFile, keyFile := filepath.Join(dir, "server-ca.pem"), filepath.Join(dir, "svid.pem"), filepath.Join(dir, "svid.key")
	writeFile(t, serverCA, e.Server.CertPEM)
	workloadCA := filepath.Join(dir, "workload-ca.pem")
	writeFile(t, workloadCA, ca.PEM())
	issue := func(uri string) func() {
		return func() {
			cert, key := ca.Issue(t, platformtest.Leaf{URIs: []string{uri}})
			writeFile(t, certFile, platformtest.CertPEM(cert))
			writeFile(t, keyFile, platformtest.KeyPEM(t, key))
		}
	}
	auth := fmt.Sprintf(`tls_cert = { identity_id = %q, cert_file = %q, key_file = %q, ca_cert_file = %q }`, e.identity, certFile, keyFile, serverCA)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.Factories,
		Steps: []resource.TestStep{
			{
				PreConfig: issue("spiffe://prod.example.org/ns/ci/sa/terraform"),
				Config:    e.config(auth),
				Check: resource.ComposeAggregateTestCheckFunc(resource.TestCheckResourceAttrSet("idplane_project.p", "id"),
					e.wantLogin(t, "login.tls-cert-auth")),
			},
			{
				// ca_cert_file replaces the system's roots: another CA does not
				// vouch for the server.
				PreConfig: issue("spiffe://prod.example.org/ns/ci/sa/terraform"),
				Config: e.config(fmt.Sprintf(`tls_cert = { identity_id = %q, cert_file = %q, key_file = %q, ca_cert_file = %q }`,
					e.identity, certFile, keyFile, workloadCA)),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`certificate signed by unknown authority`),
			},
			{
				PreConfig:   issue("spiffe://prod.example.org/ns/default/sa/terraform"),
				Config:      e.config(auth),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`no\s+subject\s+alternative\s+name\s+is\s+allowed`),
			},
			{
				// A rotated certificate is read at the next handshake.
				PreConfig: issue("spiffe://prod.example.org/ns/ci/sa/terraform"),
				Config:    e.config(auth),
				PlanOnly:  true,
			},
		},
	})
}
