package awsauth

import (
	"context"
	"crypto/x509"
	"net/http"
	"testing"
	"time"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/authmethod/methodconfig"
	"github.com/idplane/idplane/server/internal/authmethod/methodtest"
	"github.com/idplane/idplane/server/internal/authmethod/outbound"
	"github.com/idplane/idplane/server/platformtest"
)

const (
	account  = "123456789012"
	serverID = "idplane.example.com"
)

// env is a verifier against a fake STS, and an identity's configuration.
type env struct {
	sts  *platformtest.STS
	v    verifier
	core *methodtest.Core
	cfg  api.AWSAuthConfig
}

func newEnv(t *testing.T) *env {
	t.Helper()
	sts := platformtest.NewSTS(t)
	sts.AddCredentials("AKIDROLE", platformtest.Principal{SecretAccessKey: "role-secret", Account: account,
		Arn: "arn:aws:sts::" + account + ":assumed-role/ci-runner/i-0abc", UserID: "AROAEXAMPLE:i-0abc"})
	sts.AddCredentials("AKIDOTHER", platformtest.Principal{SecretAccessKey: "other-secret", Account: "999999999999",
		Arn: "arn:aws:sts::999999999999:assumed-role/ci-runner/i-0def", UserID: "AROAOTHER:i-0def"})
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM([]byte(sts.CAPEM))
	client, err := outbound.Policy{AllowInternal: true, Roots: roots}.Client("")
	if err != nil {
		t.Fatal(err)
	}
	return &env{sts: sts, v: verifier{client: client}, core: methodtest.NewCore(), cfg: api.AWSAuthConfig{
		AllowedAccountIDs: []string{account}, AllowedPrincipalArns: []string{"arn:aws:iam::" + account + ":role/ci-*"},
		STSEndpoint: sts.URL, STSRegion: "us-east-1", ServerID: serverID}}
}

// signed is a request of the ci-runner role signed at the core's time
// minus age, with mod applied to the options first.
func (e *env) signed(t *testing.T, age time.Duration, mod func(*platformtest.SignOptions)) *api.AWSAuthLoginRequest {
	t.Helper()
	o := platformtest.SignOptions{AccessKeyID: "AKIDROLE", SecretAccessKey: "role-secret", Region: "us-east-1", Host: e.sts.Host(),
		Time: e.core.Clock.Add(-age), Signed: map[string]string{api.AWSServerIDHeader: serverID}}
	if mod != nil {
		mod(&o)
	}
	s := platformtest.Sign(t, o)
	return &api.AWSAuthLoginRequest{IdentityID: "id", IAMHTTPRequestMethod: s.Method, IAMRequestBody: s.Body, IAMRequestHeaders: s.Headers}
}

func (e *env) verify(in *api.AWSAuthLoginRequest) (methodconfig.Verified, error) {
	return e.v.verify(context.Background(), methodconfig.Attempt[api.AWSAuthConfig, api.AWSAuthLoginRequest]{
		Config: methodconfig.Config[api.AWSAuthConfig]{C: e.cfg}, In: in, Core: e.core})
}

// The SigV4 request is checked locally, before any STS call: method, body,
// headers, Host, the signature's scope and signed headers, the date window
// and the server ID.
func TestParseRefusesBeforeSTS(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name   string
		in     func(*testing.T) *api.AWSAuthLoginRequest
		public string
	}{
		{"not a POST", func(t *testing.T) *api.AWSAuthLoginRequest {
			in := e.signed(t, 0, nil)
			in.IAMHTTPRequestMethod = http.MethodGet
			return in
		}, "must be a POST"},
		{"body not base64", func(t *testing.T) *api.AWSAuthLoginRequest {
			in := e.signed(t, 0, nil)
			in.IAMRequestBody = "%%%"
			return in
		}, "iamRequestBody is not base64"},
		{"another action", func(t *testing.T) *api.AWSAuthLoginRequest {
			return e.signed(t, 0, func(o *platformtest.SignOptions) { o.Body = "Action=GetSessionToken&Version=2011-06-15" })
		}, "body must be exactly"},
		{"headers not JSON", func(t *testing.T) *api.AWSAuthLoginRequest {
			in := e.signed(t, 0, nil)
			in.IAMRequestHeaders = "bm90IGpzb24="
			return in
		}, "iamRequestHeaders is not base64 of a JSON object"},
		{"another host", func(t *testing.T) *api.AWSAuthLoginRequest {
			return e.signed(t, 0, func(o *platformtest.SignOptions) { o.Host = "sts.amazonaws.com" })
		}, "Host header names another host"},
		{"unsigned Authorization", func(t *testing.T) *api.AWSAuthLoginRequest {
			return e.signed(t, 0, func(o *platformtest.SignOptions) { o.Unsigned = map[string]string{"Authorization": "Bearer x"} })
		}, "not a SigV4 signature"},
		{"another service", func(t *testing.T) *api.AWSAuthLoginRequest {
			return e.signed(t, 0, func(o *platformtest.SignOptions) {
				o.Unsigned = map[string]string{"Authorization": "AWS4-HMAC-SHA256 Credential=AKIDROLE/20260101/us-east-1/iam/aws4_request, " +
					"SignedHeaders=host;x-amz-date;x-idplane-server-id, Signature=abc"}
			})
		}, "signed for the sts service"},
		{"host not signed", func(t *testing.T) *api.AWSAuthLoginRequest {
			return e.signed(t, 0, func(o *platformtest.SignOptions) {
				o.Unsigned = map[string]string{"Authorization": "AWS4-HMAC-SHA256 Credential=AKIDROLE/20260101/us-east-1/sts/aws4_request, " +
					"SignedHeaders=x-amz-date;x-idplane-server-id, Signature=abc"}
			})
		}, "the host header must be signed"},
		{"another region", func(t *testing.T) *api.AWSAuthLoginRequest {
			return e.signed(t, 0, func(o *platformtest.SignOptions) { o.Region = "eu-west-1" })
		}, "another region"},
		{"too old", func(t *testing.T) *api.AWSAuthLoginRequest { return e.signed(t, Window+time.Second, nil) }, "more than 5 minutes"},
		{"from the future", func(t *testing.T) *api.AWSAuthLoginRequest { return e.signed(t, -Window-time.Second, nil) }, "more than 5 minutes"},
		{"server ID missing", func(t *testing.T) *api.AWSAuthLoginRequest {
			return e.signed(t, 0, func(o *platformtest.SignOptions) { o.Signed = nil })
		}, "header is missing"},
		{"server ID not signed", func(t *testing.T) *api.AWSAuthLoginRequest {
			return e.signed(t, 0, func(o *platformtest.SignOptions) {
				o.Signed, o.Unsigned = nil, map[string]string{api.AWSServerIDHeader: serverID}
			})
		}, "header must be signed"},
		{"another server", func(t *testing.T) *api.AWSAuthLoginRequest {
			return e.signed(t, 0, func(o *platformtest.SignOptions) { o.Signed = map[string]string{api.AWSServerIDHeader: "other"} })
		}, "names another server"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.sts.Calls.Load()
			_, err := e.verify(tc.in(t))
			methodtest.Refused(t, err, tc.public)
			if n := e.sts.Calls.Load() - before; n != 0 {
				t.Errorf("a request refused locally made %d STS calls", n)
			}
		})
	}
}

// A request is accepted once: the replay is refused without an STS call,
// while a request that STS or the bindings refuse is not spent.
func TestVerifySpendsOnlyAcceptedRequests(t *testing.T) {
	e := newEnv(t)
	in := e.signed(t, time.Second, nil)
	v, err := e.verify(in)
	if err != nil {
		t.Fatal(err)
	}
	if v.Subject != "arn:aws:sts::"+account+":assumed-role/ci-runner/i-0abc" || v.Metadata["account"] != account {
		t.Fatalf("verified %+v", v)
	}
	calls := e.sts.Calls.Load()
	_, err = e.verify(in)
	methodtest.Refused(t, err, "already used")
	if e.sts.Calls.Load() != calls {
		t.Error("a replay called STS")
	}

	refused := e.signed(t, 2*time.Second, nil)
	e.sts.Refuse.Store(true)
	_, err = e.verify(refused)
	methodtest.Refused(t, err, "STS refused")
	e.sts.Refuse.Store(false)
	if _, err := e.verify(refused); err != nil {
		t.Fatalf("a request STS refused was spent: %v", err)
	}

	other := e.signed(t, 3*time.Second, func(o *platformtest.SignOptions) { o.AccessKeyID, o.SecretAccessKey = "AKIDOTHER", "other-secret" })
	_, err = e.verify(other)
	methodtest.Refused(t, err, "account is not allowed")
	spent := e.core.Spent()
	if len(spent) != 2 {
		t.Errorf("%d proofs spent, want the 2 accepted ones", len(spent))
	}
	for _, until := range spent {
		if until.Before(e.core.Clock.Add(Window - 3*time.Second)) {
			t.Errorf("a proof is forgotten at %s, before its request could expire", until)
		}
	}
}
