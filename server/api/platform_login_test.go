package api_test

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/platformtest"
)

// The signed request AWSLogin builds is one STS accepts once replayed as
// the server replays it, with the server ID among the signed headers; the
// global endpoint is always signed for us-east-1.
func TestAWSLoginRequest(t *testing.T) {
	sts := platformtest.NewSTS(t)
	sts.AddCredentials("AKIDLOGIN", platformtest.Principal{SecretAccessKey: "secret", Account: "123456789012",
		Arn: "arn:aws:iam::123456789012:user/ci", UserID: "AIDA"})
	creds := credentials.NewStaticCredentialsProvider("AKIDLOGIN", "secret", "session-token")
	in, err := api.AWSLogin{IdentityID: "id-1", STSEndpoint: sts.URL, Region: "eu-west-1", ServerID: "idplane.example.com",
		Credentials: creds}.Request(t.Context(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if in.IdentityID != "id-1" || in.IAMHTTPRequestMethod != http.MethodPost {
		t.Fatalf("login request %+v", in)
	}
	body, _ := base64.StdEncoding.DecodeString(in.IAMRequestBody)
	raw, _ := base64.StdEncoding.DecodeString(in.IAMRequestHeaders)
	var headers map[string]string
	if err := json.Unmarshal(raw, &headers); err != nil {
		t.Fatal(err)
	}
	auth := headers["Authorization"]
	for _, want := range []string{"/eu-west-1/sts/aws4_request", "x-idplane-server-id", "x-amz-security-token", "host"} {
		if !strings.Contains(auth, want) {
			t.Errorf("Authorization %q lacks %q", auth, want)
		}
	}
	if headers["Host"] != sts.Host() || headers[api.AWSServerIDHeader] != "idplane.example.com" {
		t.Errorf("headers %v", headers)
	}
	req, err := http.NewRequest(http.MethodPost, sts.URL, strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		if k != "Host" && k != "Content-Length" {
			req.Header.Set(k, v)
		}
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM([]byte(sts.CAPEM))
	res, err := (&http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || sts.Accepted.Load() != 1 {
		t.Fatalf("STS answered %d, accepted %d", res.StatusCode, sts.Accepted.Load())
	}

	global, err := api.AWSLogin{Region: "eu-west-1", Credentials: creds}.Request(t.Context(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	raw, _ = base64.StdEncoding.DecodeString(global.IAMRequestHeaders)
	if !strings.Contains(string(raw), "/us-east-1/sts/aws4_request") || !strings.Contains(string(raw), `"Host":"sts.amazonaws.com"`) {
		t.Errorf("global endpoint signed as %s", raw)
	}
	if _, err := (api.AWSLogin{}).Request(t.Context(), time.Now()); err == nil || !strings.Contains(err.Error(), "no AWS credentials") {
		t.Errorf("no credentials: %v", err)
	}
}
