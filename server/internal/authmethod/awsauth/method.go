// Package awsauth is AWS auth: a workload (EC2 instance, Lambda, ECS task,
// anything with AWS credentials) signs an sts:GetCallerIdentity request
// with SigV4 and sends it, unsent, to the server, which forwards it to the
// configured STS endpoint (with the default one, to the AWS STS host it
// was signed for), never to another host the client names, and binds
// the account and ARN STS answers. As in Vault, a server ID inside the
// signed headers keeps a login from being replayed to another server; a
// signed request is accepted once.
package awsauth

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/authmethod/login"
	"github.com/idplane/idplane/server/internal/authmethod/methodconfig"
	"github.com/idplane/idplane/server/internal/authmethod/outbound"
	"github.com/idplane/idplane/server/internal/authmethod/signedtoken"
	"github.com/idplane/idplane/server/internal/store/dbtext"
)

// Kind is AWS auth as identities list it and tokens carry it.
const Kind = "aws-auth"

// GetCallerIdentityBody is the only request body accepted.
const GetCallerIdentityBody = "Action=GetCallerIdentity&Version=2011-06-15"

// Window is how far X-Amz-Date may be from the server's clock, either side.
const Window = 5 * time.Minute

// New returns AWS auth; policy is where STS calls may go and which CAs
// they trust.
func New(policy outbound.Policy) methodconfig.Method[api.AWSAuthConfig, api.AWSAuthInput, api.AWSAuth, api.AWSAuthLoginRequest] {
	client, err := policy.Client("")
	if err != nil {
		panic(fmt.Sprintf("aws auth: outbound client: %v", err))
	}
	v := verifier{client: client}
	return methodconfig.Method[api.AWSAuthConfig, api.AWSAuthInput, api.AWSAuth, api.AWSAuthLoginRequest]{
		Name: Kind, Noun: "AWS auth",
		API: methodconfig.Routes{Get: api.RouteGetAWSAuth, Put: api.RoutePutAWSAuth, Delete: api.RouteDeleteAWSAuth, Login: api.RouteAWSAuthLogin},
		Split: func(in *api.AWSAuthInput) (api.TokenSettingsInput, api.AWSAuthConfig) {
			c := in.AWSAuthConfig
			if c.STSEndpoint == "" {
				c.STSEndpoint = api.DefaultSTSEndpoint
			}
			return in.TokenSettingsInput, c
		},
		Wire: func(b api.AuthMethodBase, c api.AWSAuthConfig) *api.AWSAuth {
			return &api.AWSAuth{AuthMethodBase: b, AWSAuthConfig: c}
		},
		Login: methodconfig.Login[api.AWSAuthConfig, api.AWSAuthLoginRequest]{
			Identity: func(in *api.AWSAuthLoginRequest) string { return in.IdentityID },
			Verify:   v.verify,
		},
	}
}

type verifier struct{ client *http.Client }

// verify checks the signed request locally, has STS answer it, binds the
// caller and spends the request so it is accepted once. A replay is
// refused before any STS call; a request STS or the bindings refuse is not
// spent.
func (v verifier) verify(ctx context.Context, a methodconfig.Attempt[api.AWSAuthConfig, api.AWSAuthLoginRequest]) (methodconfig.Verified, error) {
	cfg := a.C
	sr, err := parse(cfg, a.In, a.Core.Now())
	if err != nil {
		return methodconfig.Verified{}, err
	}
	if used, err := a.Core.Used(ctx, sr.hash); err != nil {
		return methodconfig.Verified{}, err
	} else if used {
		return methodconfig.Verified{}, replayed()
	}
	id, err := v.callSTS(ctx, sr)
	if err != nil {
		return methodconfig.Verified{}, err
	}
	if len(cfg.AllowedAccountIDs) > 0 && !slices.Contains(cfg.AllowedAccountIDs, id.Account) {
		return methodconfig.Verified{}, login.Refused("account is not allowed", "account "+id.Account+" is not allowed")
	}
	if !principalAllowed(cfg.AllowedPrincipalArns, id.Arn) {
		return methodconfig.Verified{}, login.Refused("principal ARN is not allowed", "principal "+dbtext.Truncate(id.Arn, 256)+" is not allowed")
	}
	if err := a.Core.UseOnce(ctx, sr.hash, sr.date.Add(Window+time.Minute)); errors.Is(err, login.ErrProofUsed) {
		return methodconfig.Verified{}, replayed()
	} else if err != nil {
		return methodconfig.Verified{}, err
	}
	return methodconfig.Verified{Subject: id.Arn, Metadata: map[string]string{"account": id.Account, "arn": dbtext.Truncate(id.Arn, api.MaxMetadataValLength),
		"userId": dbtext.Truncate(id.UserID, api.MaxMetadataValLength)}}, nil
}

func replayed() error {
	return login.Refused("the signed request was already used: sign a new one for every login", "replay of an accepted signed request")
}

// signedRequest is a login's request, checked and ready to forward.
type signedRequest struct {
	// endpoint is where it goes: the configured STS endpoint, or with the
	// default one the AWS STS host it was signed for.
	endpoint string
	host     string
	header   http.Header
	date     time.Time
	hash     []byte
}

// parse decodes the request the client signed and checks everything that
// can be checked without STS.
func parse(cfg api.AWSAuthConfig, in *api.AWSAuthLoginRequest, now time.Time) (signedRequest, error) {
	if !strings.EqualFold(in.IAMHTTPRequestMethod, http.MethodPost) {
		return signedRequest{}, login.Refused("the signed request must be a POST", "method "+dbtext.Truncate(in.IAMHTTPRequestMethod, 16))
	}
	body, err := base64.StdEncoding.DecodeString(in.IAMRequestBody)
	if err != nil {
		return signedRequest{}, login.Refused("iamRequestBody is not base64", err.Error())
	}
	if string(body) != GetCallerIdentityBody {
		return signedRequest{}, login.Refused("the signed request's body must be exactly "+GetCallerIdentityBody,
			"body "+dbtext.Truncate(string(body), 256))
	}
	h, err := decodeHeaders(in.IAMRequestHeaders)
	if err != nil {
		return signedRequest{}, login.Refused("iamRequestHeaders is not base64 of a JSON object of header names to values", err.Error())
	}
	endpoint, err := url.Parse(cfg.STSEndpoint)
	if err != nil {
		return signedRequest{}, fmt.Errorf("aws auth: stored STS endpoint %q: %w", cfg.STSEndpoint, err)
	}
	host := h.Get("Host")
	if host == "" {
		host = endpoint.Host
	}
	forwardTo := cfg.STSEndpoint
	if cfg.STSEndpoint == api.DefaultSTSEndpoint {
		// The default endpoint stands for AWS's STS as a whole: a request
		// signed for any of its hosts goes to the host it was signed for.
		to, ok := defaultEndpoint(host)
		if !ok {
			return signedRequest{}, login.Refused("the signed request's Host header names another host than the STS endpoint",
				"Host "+dbtext.Truncate(host, 256)+" is none of AWS's STS hosts (the default STS endpoint)")
		}
		forwardTo = to
	} else if !strings.EqualFold(strings.TrimSuffix(host, ":443"), strings.TrimSuffix(endpoint.Host, ":443")) {
		return signedRequest{}, login.Refused("the signed request's Host header names another host than the STS endpoint",
			"Host "+dbtext.Truncate(host, 256)+" is not the STS endpoint's "+endpoint.Host)
	}
	auth, err := parseAuthorization(h.Get("Authorization"))
	if err != nil {
		return signedRequest{}, login.Refused("the Authorization header is not a SigV4 signature", err.Error())
	}
	for _, name := range []string{"host", "x-amz-date"} {
		if !slices.Contains(auth.signedHeaders, name) {
			return signedRequest{}, login.Refused("the "+name+" header must be signed", "SignedHeaders lack "+name)
		}
	}
	if auth.service != "sts" {
		return signedRequest{}, login.Refused("the request must be signed for the sts service", "signed for service "+dbtext.Truncate(auth.service, 64))
	}
	if cfg.STSRegion != "" && auth.region != cfg.STSRegion {
		return signedRequest{}, login.Refused("the request is signed for another region", "signed for region "+dbtext.Truncate(auth.region, 64))
	}
	date, err := time.Parse("20060102T150405Z", h.Get("X-Amz-Date"))
	if err != nil {
		return signedRequest{}, login.Refused("X-Amz-Date is missing or not a SigV4 date (20060102T150405Z)", "X-Amz-Date "+dbtext.Truncate(h.Get("X-Amz-Date"), 64))
	}
	if d := now.Sub(date); d > Window || d < -Window {
		return signedRequest{}, login.Refused("X-Amz-Date is more than 5 minutes from the server's clock", fmt.Sprintf("X-Amz-Date is %s from now", d.Round(time.Second)))
	}
	if cfg.ServerID != "" {
		switch {
		case h.Get(api.AWSServerIDHeader) == "":
			return signedRequest{}, login.Refused("the "+api.AWSServerIDHeader+" header is missing", "no server ID header")
		case !slices.Contains(auth.signedHeaders, strings.ToLower(api.AWSServerIDHeader)):
			return signedRequest{}, login.Refused("the "+api.AWSServerIDHeader+" header must be signed", "server ID header not in SignedHeaders")
		case h.Get(api.AWSServerIDHeader) != cfg.ServerID:
			return signedRequest{}, login.Refused("the "+api.AWSServerIDHeader+" header names another server", "server ID "+dbtext.Truncate(h.Get(api.AWSServerIDHeader), 256))
		}
	}
	sum := sha256.Sum256([]byte(Kind + "\x00" + auth.signature))
	return signedRequest{endpoint: forwardTo, host: host, header: h, date: date, hash: sum[:]}, nil
}

// decodeHeaders decodes Infisical's header encoding: base64 of a JSON
// object whose values are strings or lists of strings.
func decodeHeaders(b64 string) (http.Header, error) {
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, err
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, err
	}
	h := http.Header{}
	for name, v := range obj {
		var one string
		if err := json.Unmarshal(v, &one); err == nil {
			h.Add(name, one)
			continue
		}
		var many []string
		if err := json.Unmarshal(v, &many); err != nil {
			return nil, fmt.Errorf("header %q is neither a string nor a list of strings", dbtext.Truncate(name, 64))
		}
		for _, x := range many {
			h.Add(name, x)
		}
	}
	return h, nil
}

// authorization is a parsed SigV4 Authorization header.
type authorization struct {
	region, service string
	signedHeaders   []string
	signature       string
}

func parseAuthorization(h string) (authorization, error) {
	rest, ok := strings.CutPrefix(h, "AWS4-HMAC-SHA256 ")
	if !ok {
		return authorization{}, errors.New("the Authorization header is not AWS4-HMAC-SHA256")
	}
	var a authorization
	var credential string
	for part := range strings.SplitSeq(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "Credential":
			credential = v
		case "SignedHeaders":
			a.signedHeaders = strings.Split(v, ";")
		case "Signature":
			a.signature = v
		}
	}
	// Credential is <access key>/<date>/<region>/<service>/aws4_request.
	scope := strings.Split(credential, "/")
	if len(scope) != 5 || scope[4] != "aws4_request" || len(a.signedHeaders) == 0 || a.signature == "" {
		return authorization{}, errors.New("the Authorization header lacks Credential, SignedHeaders or Signature")
	}
	a.region, a.service = scope[2], scope[3]
	return a, nil
}

// callerIdentity is STS's GetCallerIdentity answer.
type callerIdentity struct {
	Arn     string `xml:"GetCallerIdentityResult>Arn"`
	UserID  string `xml:"GetCallerIdentityResult>UserId"`
	Account string `xml:"GetCallerIdentityResult>Account"`
}

// callSTS forwards the signed request to the endpoint parse chose, with
// the Host header the client signed (which parse has held to the
// endpoint's).
func (v verifier) callSTS(ctx context.Context, sr signedRequest) (callerIdentity, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sr.endpoint, strings.NewReader(GetCallerIdentityBody))
	if err != nil {
		return callerIdentity{}, fmt.Errorf("aws auth: STS request: %w", err)
	}
	for name, vals := range sr.header {
		switch name {
		case "Host", "Content-Length", "Connection", "Transfer-Encoding", "Te", "Trailer", "Upgrade", "Proxy-Connection", "Keep-Alive":
			continue
		}
		req.Header[name] = vals
	}
	req.Host = sr.host
	res, err := outbound.Do(v.client, req)
	switch {
	case res != nil && res.Status != http.StatusOK:
		return callerIdentity{}, login.Refused("STS refused the signed request",
			fmt.Sprintf("STS answered HTTP %d: %s", res.Status, dbtext.Truncate(string(res.Body), 512)))
	case err != nil:
		return callerIdentity{}, login.Refused("STS could not be reached", "STS call failed: "+err.Error())
	}
	var id callerIdentity
	if err := xml.Unmarshal(res.Body, &id); err != nil || id.Arn == "" || id.Account == "" {
		return callerIdentity{}, login.Refused("STS's answer is not a GetCallerIdentity response", fmt.Sprintf("decode STS answer: %v", err))
	}
	return id, nil
}

// principalAllowed matches the ARN, and an assumed role's ARN also as its
// role's, against the globs; none allows any.
func principalAllowed(globs []string, arn string) bool {
	if len(globs) == 0 {
		return true
	}
	candidates := []string{arn}
	if role, ok := roleOf(arn); ok {
		candidates = append(candidates, role)
	}
	for _, g := range globs {
		for _, c := range candidates {
			if signedtoken.MatchGlob(g, c) {
				return true
			}
		}
	}
	return false
}

// roleOf reduces arn:<partition>:sts::<acct>:assumed-role/<role>/<session>
// to arn:<partition>:iam::<acct>:role/<role>.
func roleOf(arn string) (string, bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[2] != "sts" {
		return "", false
	}
	res := strings.Split(parts[5], "/")
	if len(res) != 3 || res[0] != "assumed-role" {
		return "", false
	}
	return "arn:" + parts[1] + ":iam::" + parts[4] + ":role/" + res[1], true
}
