package httpapi_test

import (
	"context"
	"crypto/x509"
	"net/http"
	"testing"
	"time"

	infisical "github.com/infisical/go-sdk"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/platformtest"
	"github.com/idplane/idplane/server/servertest"
)

const (
	awsAccount  = "123456789012"
	awsServerID = "idplane.example.com"
	awsRegion   = "us-east-1"
)

type awsEnv struct {
	*stEnv
	sts *platformtest.STS
	seq int
}

func newAWSEnv(t *testing.T) *awsEnv {
	t.Helper()
	return newAWSEnvWith(t, platformtest.NewSTS(t), nil)
}

// newAWSEnvWith starts a server that trusts sts's certificate and dials
// the addresses resolve gives for host names (servertest.OutboundResolve).
func newAWSEnvWith(t *testing.T, sts *platformtest.STS, resolve map[string]string) *awsEnv {
	t.Helper()
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM([]byte(sts.CAPEM))
	sts.AddCredentials("AKIDROLE", platformtest.Principal{SecretAccessKey: "role-secret", Account: awsAccount,
		Arn: "arn:aws:sts::" + awsAccount + ":assumed-role/ci-runner/i-0abc", UserID: "AROAEXAMPLE:i-0abc"})
	sts.AddCredentials("AKIDUSER", platformtest.Principal{SecretAccessKey: "user-secret", Account: awsAccount,
		Arn: "arn:aws:iam::" + awsAccount + ":user/alice", UserID: "AIDAEXAMPLE"})
	sts.AddCredentials("AKIDOTHER", platformtest.Principal{SecretAccessKey: "other-secret", Account: "999999999999",
		Arn: "arn:aws:sts::999999999999:assumed-role/ci-runner/i-0def", UserID: "AROAOTHER:i-0def"})
	return &awsEnv{stEnv: newSTEnvWith(t, nil, servertest.Options{Backend: servertest.Postgres, AllowInternalOutbound: true,
		OutboundRoots: roots, OutboundResolve: resolve}), sts: sts}
}

func (e *awsEnv) put(t *testing.T, identityID string) *api.AWSAuth {
	t.Helper()
	return must(e.tn.c.PutAWSAuth(t.Context(), identityID, 0, api.AWSAuthInput{AWSAuthConfig: api.AWSAuthConfig{
		AllowedAccountIDs: []string{awsAccount}, AllowedPrincipalArns: []string{"arn:aws:iam::" + awsAccount + ":role/ci-*"},
		STSEndpoint: e.sts.URL, STSRegion: awsRegion, ServerID: awsServerID}}))(t)
}

// signed is a request of the ci-runner role with the server ID signed;
// mod changes the options first. SigV4 is deterministic to the second, so
// each request is signed a second earlier than the one before, to differ.
func (e *awsEnv) signed(t *testing.T, mod func(*platformtest.SignOptions)) platformtest.Signed {
	t.Helper()
	e.seq++
	o := platformtest.SignOptions{AccessKeyID: "AKIDROLE", SecretAccessKey: "role-secret", Region: awsRegion, Host: e.sts.Host(),
		Time: time.Now().Add(-time.Duration(e.seq) * time.Second), Signed: map[string]string{api.AWSServerIDHeader: awsServerID}}
	if mod != nil {
		mod(&o)
	}
	return platformtest.Sign(t, o)
}

func awsLogin(t *testing.T, c *api.Client, identityID string, s platformtest.Signed) (*api.LoginResponse, error) {
	return c.AWSAuthLogin(t.Context(), api.AWSAuthLoginRequest{IdentityID: identityID, IAMHTTPRequestMethod: s.Method,
		IAMRequestBody: s.Body, IAMRequestHeaders: s.Headers})
}

func (e *awsEnv) accept(t *testing.T, identityID string, s platformtest.Signed) *api.AuditEvent {
	t.Helper()
	return e.platformAccept(t, "aws-auth", identityID, func() (*api.LoginResponse, error) { return awsLogin(t, e.anon, identityID, s) })
}

// refuse checks the refusal; local says whether the check is made before
// any call to STS (asserted).
func (e *awsEnv) refuse(t *testing.T, identityID string, s platformtest.Signed, local bool, public string, reason ...string) {
	t.Helper()
	before := e.sts.Calls.Load()
	_, err := awsLogin(t, e.anon, identityID, s)
	e.wantRefused(t, err, "aws-auth", identityID, public, reason...)
	if calls := e.sts.Calls.Load() - before; local && calls != 0 {
		t.Errorf("a login refused before STS made %d STS call(s)", calls)
	}
}

func TestAWSAuthLogin(t *testing.T) {
	e := newAWSEnv(t)
	id := e.identity(t, "aws-ci")
	e.put(t, id)

	t.Run("assumed role accepted as its role, signature verified by STS", func(t *testing.T) {
		before := e.sts.Accepted.Load()
		ev := e.accept(t, id, e.signed(t, nil))
		if ev.Metadata["subject"] != "arn:aws:sts::"+awsAccount+":assumed-role/ci-runner/i-0abc" || ev.Metadata["claim.account"] != awsAccount {
			t.Errorf("audit metadata %v, want the caller's ARN and account", ev.Metadata)
		}
		if e.sts.Accepted.Load() != before+1 {
			t.Errorf("STS did not verify the forwarded signature")
		}
	})
	t.Run("replay refused without calling STS", func(t *testing.T) {
		s := e.signed(t, nil)
		e.accept(t, id, s)
		e.refuse(t, id, s, true, "already used")
	})
	t.Run("stale X-Amz-Date", func(t *testing.T) {
		e.refuse(t, id, e.signed(t, func(o *platformtest.SignOptions) { o.Time = time.Now().Add(-6 * time.Minute) }), true, "X-Amz-Date is more than 5 minutes")
	})
	t.Run("future X-Amz-Date", func(t *testing.T) {
		e.refuse(t, id, e.signed(t, func(o *platformtest.SignOptions) { o.Time = time.Now().Add(6 * time.Minute) }), true, "X-Amz-Date is more than 5 minutes")
	})
	t.Run("server ID header missing", func(t *testing.T) {
		e.refuse(t, id, e.signed(t, func(o *platformtest.SignOptions) { o.Signed = nil }), true, "header is missing")
	})
	t.Run("server ID header not signed", func(t *testing.T) {
		e.refuse(t, id, e.signed(t, func(o *platformtest.SignOptions) {
			o.Signed, o.Unsigned = nil, map[string]string{api.AWSServerIDHeader: awsServerID}
		}), true, "header must be signed")
	})
	t.Run("server ID of another server", func(t *testing.T) {
		e.refuse(t, id, e.signed(t, func(o *platformtest.SignOptions) {
			o.Signed = map[string]string{api.AWSServerIDHeader: "other.example.com"}
		}),
			true, "names another server")
	})
	t.Run("Host header naming another host: no call made", func(t *testing.T) {
		e.refuse(t, id, e.signed(t, func(o *platformtest.SignOptions) { o.Host = "sts.amazonaws.com" }), true,
			"Host header names another host", "Host sts.amazonaws.com")
	})
	t.Run("another Action", func(t *testing.T) {
		e.refuse(t, id, e.signed(t, func(o *platformtest.SignOptions) { o.Body = "Action=GetSessionToken&Version=2011-06-15" }), true,
			"body must be exactly", "GetSessionToken")
	})
	t.Run("not a POST", func(t *testing.T) {
		s := e.signed(t, nil)
		s.Method = http.MethodGet
		e.refuse(t, id, s, true, "must be a POST")
	})
	t.Run("another region", func(t *testing.T) {
		e.refuse(t, id, e.signed(t, func(o *platformtest.SignOptions) { o.Region = "eu-west-1" }), true, "another region")
	})
	t.Run("account not allowed", func(t *testing.T) {
		e.refuse(t, id, e.signed(t, func(o *platformtest.SignOptions) { o.AccessKeyID, o.SecretAccessKey = "AKIDOTHER", "other-secret" }),
			false, "account is not allowed", "999999999999")
	})
	t.Run("principal not allowed", func(t *testing.T) {
		e.refuse(t, id, e.signed(t, func(o *platformtest.SignOptions) { o.AccessKeyID, o.SecretAccessKey = "AKIDUSER", "user-secret" }),
			false, "principal ARN is not allowed", "user/alice")
	})
	t.Run("bad signature: STS answers 403", func(t *testing.T) {
		e.refuse(t, id, e.signed(t, func(o *platformtest.SignOptions) { o.SecretAccessKey = "wrong" }), false, "STS refused", "HTTP 403", "SignatureDoesNotMatch")
	})
	t.Run("STS refusing", func(t *testing.T) {
		e.sts.Refuse.Store(true)
		defer e.sts.Refuse.Store(false)
		e.refuse(t, id, e.signed(t, nil), false, "STS refused", "AccessDenied")
	})
	t.Run("a request STS refused is not spent", func(t *testing.T) {
		s := e.signed(t, nil)
		e.sts.Refuse.Store(true)
		e.refuse(t, id, s, false, "STS refused")
		e.sts.Refuse.Store(false)
		e.accept(t, id, s)
	})
}

// Replicas share the used requests: a request accepted by one is refused
// by the other.
func TestAWSAuthReplayAcrossReplicas(t *testing.T) {
	e := newAWSEnv(t)
	id := e.identity(t, "aws-replicas")
	e.put(t, id)
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM([]byte(e.sts.CAPEM))
	replica := servertest.Start(t, servertest.Options{DatabaseURL: e.srv.DatabaseURL, MasterKey: e.srv.MasterKey, AllowInternalOutbound: true, OutboundRoots: roots})
	s := e.signed(t, nil)
	e.accept(t, id, s)
	before := e.sts.Calls.Load()
	_, err := awsLogin(t, replica.Client(t), id, s)
	e.wantRefused(t, err, "aws-auth", id, "already used")
	if e.sts.Calls.Load() != before {
		t.Errorf("the replica called STS for a replayed request")
	}
}

func TestAWSAuthDefaultEndpoint(t *testing.T) {
	e := newAWSEnv(t)
	id := e.identity(t, "aws-default")
	got := must(e.tn.c.PutAWSAuth(t.Context(), id, 0, api.AWSAuthInput{AWSAuthConfig: api.AWSAuthConfig{AllowedAccountIDs: []string{awsAccount}}}))(t)
	if got.STSEndpoint != api.DefaultSTSEndpoint {
		t.Fatalf("stsEndpoint %q, want the default %q", got.STSEndpoint, api.DefaultSTSEndpoint)
	}
	// A request signed for the fake's host is never sent to it.
	e.refuse(t, id, e.signed(t, nil), true, "Host header names another host")
}

// Infisical's Go SDK signs for https://sts.<region>.amazonaws.com/ (Host
// signed, no server ID header). With that name as the identity's STS
// endpoint, and with the default endpoint (which accepts AWS's own STS
// hosts and forwards each request to the host it was signed for), the
// server forwards the SDK's request to the fake STS standing for the name
// (its certificate issued for it, its address given by the test server's
// outbound Resolve, the address guard checking the loopback address
// dialled), which verifies the SDK's SigV4 signature. The login must
// succeed end to end, one STS call, the token being the identity's.
func TestAWSAuthInfisicalSDK(t *testing.T) {
	for _, tc := range []struct {
		name, region string
		endpoint     func(stsHost string) string
	}{
		{"regional endpoint configured", awsRegion, func(stsHost string) string { return "https://" + stsHost + "/" }},
		{"default endpoint", "eu-west-1", func(string) string { return "" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stsHost := "sts." + tc.region + ".amazonaws.com"
			sts := platformtest.NewSTSNamed(t, stsHost)
			e := newAWSEnvWith(t, sts, map[string]string{stsHost: sts.Addr})
			id := e.identity(t, "aws-sdk")
			must(e.tn.c.PutAWSAuth(t.Context(), id, 0, api.AWSAuthInput{AWSAuthConfig: api.AWSAuthConfig{
				AllowedAccountIDs: []string{awsAccount}, AllowedPrincipalArns: []string{"arn:aws:iam::" + awsAccount + ":role/ci-*"},
				STSEndpoint: tc.endpoint(stsHost), STSRegion: tc.region}}))(t)
			dir := t.TempDir()
			for k, v := range map[string]string{"AWS_ACCESS_KEY_ID": "AKIDROLE", "AWS_SECRET_ACCESS_KEY": "role-secret", "AWS_SESSION_TOKEN": "",
				"AWS_REGION": tc.region, "AWS_DEFAULT_REGION": tc.region, "AWS_PROFILE": "", "AWS_EC2_METADATA_DISABLED": "true",
				"AWS_CONFIG_FILE": dir + "/config", "AWS_SHARED_CREDENTIALS_FILE": dir + "/credentials"} {
				t.Setenv(k, v)
			}
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			sdk := infisical.NewInfisicalClient(ctx, infisical.Config{SiteUrl: e.srv.URL, AutoTokenRefresh: ptr(false), SilentMode: true})
			before, accepted := e.sts.Calls.Load(), e.sts.Accepted.Load()
			cred, err := sdk.Auth().AwsIamAuthLogin(id)
			if err != nil {
				t.Fatalf("the SDK's AwsIamAuthLogin failed: %v", err)
			}
			if calls := e.sts.Calls.Load() - before; calls != 1 {
				t.Errorf("the SDK's login made %d STS call(s), want 1", calls)
			}
			if e.sts.Accepted.Load() != accepted+1 {
				t.Errorf("the fake STS did not verify the SDK's signature")
			}
			self := must(e.srv.Client(t, api.WithToken(cred.AccessToken)).TokenSelf(t.Context()))(t)
			if self.AuthMethod != "aws-auth" || self.IdentityID != id {
				t.Fatalf("token/self of the SDK's token: %+v, want aws-auth of identity %s", self, id)
			}
		})
	}
}

// With the default endpoint, a request signed for a host that only looks
// like AWS's STS is refused before any call, whatever it is resolved to.
func TestAWSAuthDefaultEndpointRefusesLookalikeHosts(t *testing.T) {
	for _, host := range []string{"sts.eu-west-1.amazonaws.com.evil.example", "sts.eu-west-1.amazonaws.com:8443", "evil.example"} {
		t.Run(host, func(t *testing.T) {
			sts := platformtest.NewSTSNamed(t, "sts.eu-west-1.amazonaws.com")
			e := newAWSEnvWith(t, sts, map[string]string{"sts.eu-west-1.amazonaws.com.evil.example": sts.Addr, "evil.example": sts.Addr})
			id := e.identity(t, "aws-lookalike")
			must(e.tn.c.PutAWSAuth(t.Context(), id, 0, api.AWSAuthInput{AWSAuthConfig: api.AWSAuthConfig{AllowedAccountIDs: []string{awsAccount}}}))(t)
			e.refuse(t, id, e.signed(t, func(o *platformtest.SignOptions) {
				o.Host, o.Region, o.Signed = host, "eu-west-1", nil
			}), true, "Host header names another host", host)
		})
	}
}
