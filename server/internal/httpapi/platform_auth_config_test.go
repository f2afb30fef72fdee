package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/servertest"
)

// platformKinds are the configurations of Kubernetes, AWS and TLS
// certificate auth, in the shape of the signed-token methods' contract.
var platformKinds = []stKind{
	{kind: "kubernetes-auth", path: "kubernetes-auth",
		valid:    `{"kubernetesHost":"https://k8s.example.com:6443","allowedNamespaces":["payments"],"allowedServiceAccountNames":["api-*"],"allowedAudience":"idplane","tokenReviewerJwt":"reviewer.jwt.value"}`,
		replaced: `{"kubernetesHost":"https://k8s.example.com","accessTokenTTL":600}`,
		invalid: []stInvalid{
			{`{"kubernetesHost":"http://k8s.example.com"}`, "kubernetesHost", "https://"},
			{`{"kubernetesHost":"https://k8s.example.com","kubernetesCaCertificate":"nope"}`, "kubernetesCaCertificate", "PEM"},
			{`{"kubernetesHost":"https://k8s.example.com","allowedNamespaces":["Payments"]}`, "allowedNamespaces[0]", "Kubernetes name"},
			{`{"kubernetesHost":"https://k8s.example.com","allowedServiceAccountNames":["a","a"]}`, "allowedServiceAccountNames[1]", "duplicate"},
		}},
	{kind: "aws-auth", path: "aws-auth",
		valid:    `{"allowedAccountIds":["123456789012"],"allowedPrincipalArns":["arn:aws:iam::123456789012:role/ci-*"],"stsEndpoint":"https://sts.eu-west-1.amazonaws.com/","stsRegion":"eu-west-1","serverId":"idplane.example.com"}`,
		replaced: `{"allowedAccountIds":["210987654321"],"accessTokenTTL":600}`,
		invalid: []stInvalid{
			{`{"allowedAccountIds":["1234"]}`, "allowedAccountIds[0]", "12-digit"},
			{`{"allowedPrincipalArns":["role/ci"]}`, "allowedPrincipalArns[0]", "ARN"},
			{`{"stsEndpoint":"http://sts.amazonaws.com/"}`, "stsEndpoint", "https://"},
			{`{"stsRegion":"Mars"}`, "stsRegion", "AWS region"},
			{`{"serverId":"has space"}`, "serverId", "printable"},
			{`{}`, "allowedAccountIds", "bind at least one of allowedAccountIds or allowedPrincipalArns, or set allowAnyPrincipal"},
			{`{"stsRegion":"eu-west-1","allowAnyPrincipal":false}`, "allowedAccountIds", "allowAnyPrincipal"},
			{`{"allowedPrincipalArns":["arn:aws:iam::123456789012:role/ci"],"allowAnyPrincipal":true}`, "allowAnyPrincipal", "must be false when allowedAccountIds or allowedPrincipalArns bind"},
		}},
	{kind: "tls-cert-auth", path: "tls-cert-auth",
		valid:    `{"caCertificate":"` + stCertLine + `","allowedCommonNames":["payments-*"],"allowedSubjectAltNames":["DNS:*.svc.cluster.local","URI:spiffe://prod.example.org/ns/payments/*","IP:10.0.0.0/8","EMAIL:*@example.org"]}`,
		replaced: `{"caCertificate":"` + stCertLine + `","accessTokenTTL":600}`,
		invalid: []stInvalid{
			{`{}`, "caCertificate", "is required"},
			{`{"caCertificate":"nope"}`, "caCertificate", "PEM"},
			{`{"caCertificate":"` + stCertLine + `","allowedSubjectAltNames":["OID:1.2.3"]}`, "allowedSubjectAltNames[0]", "DNS, URI, IP or EMAIL"},
			{`{"caCertificate":"` + stCertLine + `","allowedSubjectAltNames":["IP:10.0.0.0/99"]}`, "allowedSubjectAltNames[0]", "CIDR"},
		}},
}

// stCertLine is a self-signed CA certificate, JSON-escaped.
const stCertLine = `-----BEGIN CERTIFICATE-----\nMIIBfjCCASOgAwIBAgIUVLwr9UXs/Nuqjbi2aAw+1CLgDr0wCgYIKoZIzj0EAwIw\nFDESMBAGA1UEAwwJbWVzaCByb290MB4XDTI2MTIwMjA2MTk1NloXDTM2MTEyOTA2\nMTk1NlowFDESMBAGA1UEAwwJbWVzaCByb290MFkwEwYHKoZIzj0CAQYIKoZIzj0D\nAQcDQgAEDaVBks6x/+9kQ5bCkduvmfl3+Aa04tGoElA6NeXUZI8lbmaduzgrFX54\n92Lu7zf3oNAwRrngPip0tTAXuNgZQ6NTMFEwHQYDVR0OBBYEFGGg36yDIK6tG82W\npcOu5IA2F4TBMB8GA1UdIwQYMBaAFGGg36yDIK6tG82WpcOu5IA2F4TBMA8GA1Ud\nEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSQAwRgIhALLczYmglmVrJFFoWWkstPyo\nGtD0pFqlPaNoc0+NKNb4AiEA/DkPgOU9+BLoe4FRgxiMRdaorv4slyki6Gig2GM7\ndDg=\n-----END CERTIFICATE-----\n`

// stCertPEM is stCertLine as PEM.
var stCertPEM = strings.ReplaceAll(stCertLine, `\n`, "\n")

// The configuration API of Kubernetes, AWS and TLS certificate auth, on
// PostgreSQL and SQLite: attach, replace (version, ETag, If-Match), 404
// when not attached, validation naming fields, the identity's
// authMethods, tenant isolation, audit; the reviewer JWT never answered.
func TestPlatformAuthConfigContract(t *testing.T) {
	for _, b := range []servertest.Backend{servertest.Postgres, servertest.SQLite} {
		t.Run(string(b), func(t *testing.T) {
			e := newSTEnvWith(t, nil, servertest.Options{Backend: b})
			other := otherTenant(t, e.srv, "other")
			for _, k := range platformKinds {
				t.Run(k.kind, func(t *testing.T) {
					tn := e.tn
					id := e.identity(t, "cfg-"+k.kind)
					path := "/api/v1/identities/" + id + "/" + k.path
					tn.raw(t, "GET", path, "", "").problem(t, http.StatusNotFound, api.CodeNotFound)
					tn.raw(t, "PUT", path, api.ETag(3), k.valid).problem(t, http.StatusPreconditionFailed, api.CodeVersionMismatch)
					if v := tn.raw(t, "PUT", path, "", k.valid).wantETag(t, http.StatusOK); v != 1 {
						t.Fatalf("attach: version %d, want 1", v)
					}
					got := tn.raw(t, "GET", path, "", "")
					if got.wantETag(t, http.StatusOK) != 1 || !strings.Contains(string(got.body), `"identityId":"`+id+`"`) ||
						strings.Contains(string(got.body), "reviewer.jwt.value") {
						t.Fatalf("GET after attach: %s", got.body)
					}
					if !containsString(must(tn.c.GetIdentity(t.Context(), id))(t).AuthMethods, k.kind) {
						t.Fatalf("identity authMethods lack %s", k.kind)
					}
					tn.raw(t, "PUT", path, api.ETag(7), k.replaced).problem(t, http.StatusPreconditionFailed, api.CodeVersionMismatch)
					if v := tn.raw(t, "PUT", path, api.ETag(1), k.replaced).wantETag(t, http.StatusOK); v != 2 {
						t.Fatalf("replace: version %d, want 2", v)
					}
					after := string(tn.raw(t, "GET", path, "", "").body)
					if !strings.Contains(after, `"accessTokenTTL":600`) || strings.Contains(after, "payments") || strings.Contains(after, "123456789012") {
						t.Fatalf("a replace keeps none of the first body's settings: %s", after)
					}
					for _, bad := range k.invalid {
						wantFieldError(t, tn.raw(t, "PUT", path, "", bad.body).problem(t, http.StatusBadRequest, api.CodeValidation), bad.field, bad.says)
					}
					other.raw(t, "GET", path, "", "").problem(t, http.StatusNotFound, api.CodeNotFound)
					other.raw(t, "PUT", path, "", k.valid).problem(t, http.StatusNotFound, api.CodeNotFound)
					other.raw(t, "DELETE", path, "", "").problem(t, http.StatusNotFound, api.CodeNotFound)
					tn.raw(t, "DELETE", path, api.ETag(1), "").problem(t, http.StatusPreconditionFailed, api.CodeVersionMismatch)
					if r := tn.raw(t, "DELETE", path, api.ETag(2), ""); r.status != http.StatusNoContent {
						t.Fatalf("detach: %d %s", r.status, r.body)
					}
					tn.raw(t, "GET", path, "", "").problem(t, http.StatusNotFound, api.CodeNotFound)
					for _, action := range []string{".attach", ".update", ".detach"} {
						list := must(tn.c.ListAuditEvents(t.Context(), api.AuditEventFilter{Action: k.kind + action, TargetID: id}))(t)
						if len(list.Events) != 1 || list.Events[0].Outcome != api.OutcomeSuccess {
							t.Fatalf("audit of %s%s: %+v", k.kind, action, list.Events)
						}
					}
				})
			}
		})
	}
}

// AWS and GCP auth that bind nothing admit any principal of their
// platform in the world: attaching one takes an explicit
// allowAnyPrincipal, which GET answers back and the live identity audit
// reports as a high finding.
func TestAllowAnyPrincipalExplicit(t *testing.T) {
	e := newSTEnvWith(t, nil, servertest.Options{Backend: servertest.Postgres})
	for i, c := range []struct{ path, body string }{
		{"aws-auth", `{"allowAnyPrincipal":true}`},
		{"gcp-auth", `{"type":"gce","allowAnyPrincipal":true}`},
		{"gcp-auth", `{"type":"iam","allowAnyPrincipal":true}`},
	} {
		id := e.identity(t, fmt.Sprintf("any-%s-%d", c.path, i))
		path := "/api/v1/identities/" + id + "/" + c.path
		e.tn.raw(t, "PUT", path, "", c.body).wantETag(t, http.StatusOK)
		if got := string(e.tn.raw(t, "GET", path, "", "").body); !strings.Contains(got, `"allowAnyPrincipal":true`) {
			t.Fatalf("GET %s after attaching %s: %s", c.path, c.body, got)
		}
	}
	high := 0
	for _, f := range must(e.tn.c.IdentityAudit(t.Context(), api.IdentityAuditQuery{}))(t).Findings {
		if f.Code == "allow-any-principal" {
			if f.Severity != api.SeverityHigh || !strings.HasPrefix(f.Identity, "any-") {
				t.Errorf("finding %+v, want high on an any-* identity", f)
			}
			high++
		}
	}
	if high != 3 {
		t.Errorf("%d allow-any-principal findings in the live audit, want 3", high)
	}
}

// AWS and GCP auth saved before allowAnyPrincipal existed, binding nothing,
// admit any principal: migration 0009 gives them the flag, so GET answers
// it and the live audit reports them; a configuration that binds is left
// as it was. Each row is written as the old code wrote it, then the
// migration runs again over it.
func TestLegacyBindNothingMigrated(t *testing.T) {
	for _, b := range []servertest.Backend{servertest.Postgres, servertest.SQLite} {
		t.Run(string(b), func(t *testing.T) {
			e := newSTEnvWith(t, nil, servertest.Options{Backend: b})
			rows := []struct {
				name, path, body, legacy string
				admitsAny                bool
			}{
				{"legacy-aws-empty", "aws-auth", `{"allowAnyPrincipal":true}`,
					`{"allowedAccountIds":[],"allowedPrincipalArns":[],"stsEndpoint":"","stsRegion":"","serverId":""}`, true},
				{"legacy-aws-null", "aws-auth", `{"allowAnyPrincipal":true}`,
					`{"allowedAccountIds":null,"allowedPrincipalArns":null,"stsEndpoint":"","stsRegion":"eu-west-1","serverId":""}`, true},
				{"legacy-gcp-zones", "gcp-auth", `{"type":"gce","allowAnyPrincipal":true}`,
					`{"type":"gce","allowedServiceAccountEmails":[],"allowedProjects":null,"allowedZones":["europe-west1-b"]}`, true},
				{"bound-aws", "aws-auth", `{"allowedAccountIds":["123456789012"]}`,
					`{"allowedAccountIds":["123456789012"],"allowedPrincipalArns":[],"stsEndpoint":"","stsRegion":"","serverId":""}`, false},
				{"bound-gcp", "gcp-auth", `{"type":"iam","allowedProjects":["p-1"]}`,
					`{"type":"iam","allowedServiceAccountEmails":[],"allowedProjects":["p-1"],"allowedZones":[]}`, false},
			}
			db := e.srv.App.Store.DB.WithContext(t.Context())
			ids := map[string]string{}
			for _, r := range rows {
				id := e.identity(t, r.name)
				ids[r.name] = id
				e.tn.raw(t, "PUT", "/api/v1/identities/"+id+"/"+r.path, "", r.body).wantETag(t, http.StatusOK)
				if err := db.Exec(`UPDATE auth_method_configs SET config = ? WHERE identity_id = ?`, r.legacy, id).Error; err != nil {
					t.Fatal(err)
				}
			}
			if err := db.Exec(`DELETE FROM schema_migrations WHERE version = 9`).Error; err != nil {
				t.Fatal(err)
			}
			if applied, err := e.srv.App.Store.Migrate(t.Context()); err != nil || len(applied) != 1 || applied[0] != 9 {
				t.Fatalf("migrate applied %v (%v), want [9]", applied, err)
			}
			for _, r := range rows {
				got := e.tn.raw(t, "GET", "/api/v1/identities/"+ids[r.name]+"/"+r.path, "", "")
				if want := `"allowAnyPrincipal":` + fmt.Sprint(r.admitsAny); !strings.Contains(string(got.body), want) {
					t.Errorf("%s after migration: %s, want %s", r.name, got.body, want)
				}
				if wantVersion := map[bool]string{true: `"version":2`, false: `"version":1`}[r.admitsAny]; !strings.Contains(string(got.body), wantVersion) {
					t.Errorf("%s after migration: %s, want %s", r.name, got.body, wantVersion)
				}
			}
			flagged := map[string]bool{}
			for _, f := range must(e.tn.c.IdentityAudit(t.Context(), api.IdentityAuditQuery{}))(t).Findings {
				if f.Code == "allow-any-principal" && f.Severity == api.SeverityHigh {
					flagged[f.Identity] = true
				}
			}
			for _, r := range rows {
				if flagged[r.name] != r.admitsAny {
					t.Errorf("%s: high allow-any-principal finding %v, want %v", r.name, flagged[r.name], r.admitsAny)
				}
			}
		})
	}
}
