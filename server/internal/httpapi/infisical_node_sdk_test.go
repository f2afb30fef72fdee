package httpapi_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/platformtest"
	"github.com/idplane/idplane/server/servertest"
)

// The committed package.json and package-lock.json that pin Infisical's
// Node SDK; make tools installs them with npm ci into IDPLANE_NODESDK_DIR.
const (
	nodeSDKPins = "../../../tools/nodesdk/package.json"
	nodeSDKLock = "../../../tools/nodesdk/package-lock.json"
)

// nodeSDKDir is where make tools installed the pinned Node SDK: the
// directory IDPLANE_NODESDK_DIR names, by default the makefile's
// ~/.cache/idplane/nodesdk-<version>. The test never installs it: it fails,
// naming make tools, when it is missing, another version, or not an install
// of the committed lock file.
func nodeSDKDir(t *testing.T) string {
	t.Helper()
	var pins struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	raw, err := os.ReadFile(nodeSDKPins)
	if err == nil {
		err = json.Unmarshal(raw, &pins)
	}
	version := pins.Dependencies["@infisical/sdk"]
	if err != nil || version == "" {
		t.Fatalf("read the pinned @infisical/sdk version from %s: %v", nodeSDKPins, err)
	}
	dir := os.Getenv("IDPLANE_NODESDK_DIR")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			t.Fatal(err)
		}
		dir = filepath.Join(home, ".cache", "idplane", "nodesdk-"+version)
	}
	var installed struct {
		Version string `json:"version"`
	}
	raw, err = os.ReadFile(filepath.Join(dir, "node_modules", "@infisical", "sdk", "package.json"))
	if err == nil {
		err = json.Unmarshal(raw, &installed)
	}
	if err != nil || installed.Version != version {
		t.Fatalf("Infisical's Node SDK %s is not installed in %s (found %q, %v): run make tools", version, dir, installed.Version, err)
	}
	// make tools leaves the lock file it installed in installed-lock.json.
	want, err := os.ReadFile(nodeSDKLock)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(filepath.Join(dir, "installed-lock.json")); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("%s holds no finished install of %s (%v): run make tools", dir, nodeSDKLock, err)
	}
	return dir
}

// nodeSDKSecret is a secret the SDK returned, as
// testdata/nodesdk/read-secrets.cjs reports it.
type nodeSDKSecret struct {
	Environment string `json:"environment"`
	SecretPath  string `json:"secretPath"`
	SecretKey   string `json:"secretKey"`
	SecretValue string `json:"secretValue"`
	Hidden      bool   `json:"secretValueHidden"`
	Version     int64  `json:"version"`
}

// nodeSDKError is an error the SDK threw.
type nodeSDKError struct {
	Name    string `json:"name"`
	Message string `json:"message"`
}

type nodeSDKList struct {
	Environment string          `json:"environment"`
	SecretPath  string          `json:"secretPath"`
	Recursive   bool            `json:"recursive"`
	Secrets     []nodeSDKSecret `json:"secrets,omitempty"`
	Error       *nodeSDKError   `json:"error,omitempty"`
}

type nodeSDKGet struct {
	Environment string         `json:"environment"`
	SecretPath  string         `json:"secretPath"`
	SecretKey   string         `json:"secretKey"`
	Describe    bool           `json:"describe,omitempty"`
	Secret      *nodeSDKSecret `json:"secret,omitempty"`
	Error       *nodeSDKError  `json:"error,omitempty"`
}

// nodeSDKLogin is how the script logs in: method "universal-auth" with a
// client ID and secret, or "aws-iam" as an identity, signing with the AWS
// credentials of its environment.
type nodeSDKLogin struct {
	Method       string `json:"method"`
	ClientID     string `json:"clientId,omitempty"`
	ClientSecret string `json:"clientSecret,omitempty"`
	IdentityID   string `json:"identityId,omitempty"`
}

type nodeSDKPlan struct {
	SiteURL   string        `json:"siteUrl"`
	ProjectID string        `json:"projectId"`
	Login     nodeSDKLogin  `json:"login"`
	Lists     []nodeSDKList `json:"lists"`
	Gets      []nodeSDKGet  `json:"gets"`
}

type nodeSDKResult struct {
	Lists []nodeSDKList `json:"lists"`
	Gets  []nodeSDKGet  `json:"gets"`
}

// runNodeSDK runs testdata/nodesdk/read-secrets.cjs with node against the
// SDK in dir, the plan on stdin (the client secret never on a command
// line), env added to the environment.
func runNodeSDK(t *testing.T, dir string, plan nodeSDKPlan, env ...string) nodeSDKResult {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("Infisical's Node SDK test needs node (Node.js 20 or later) on PATH: %v", err)
	}
	in, err := json.Marshal(plan)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 45*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join("testdata", "nodesdk", "read-secrets.cjs"))
	cmd.Env = append(append(os.Environ(), "NODE_PATH="+filepath.Join(dir, "node_modules")), env...)
	cmd.Stdin = bytes.NewReader(in)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node read-secrets.cjs: %v\nstderr:\n%s", err, stderr.String())
	}
	var out nodeSDKResult
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("read-secrets.cjs wrote no result: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	if len(out.Lists) != len(plan.Lists) || len(out.Gets) != len(plan.Gets) {
		t.Fatalf("read-secrets.cjs answered %d lists and %d gets for %d and %d", len(out.Lists), len(out.Gets), len(plan.Lists), len(plan.Gets))
	}
	return out
}

// Infisical's Node SDK (@infisical/sdk, the version tools/nodesdk pins),
// unchanged, logs in as an identity whose project role reads dev:/app/**
// but not dev:/app/private/**: with universal auth, and with AWS IAM auth
// (the SDK signs GetCallerIdentity for sts.eu-west-1.amazonaws.com, which
// the server reaches as the fake STS standing for that name). Either way it
// lists and retrieves exactly the secrets the role allows; every other read
// is refused with the reason, in the error the SDK throws; every read,
// allowed or refused, is an audit event naming identity, project,
// environment, path and key (and the version read), and none holds a
// value. The SDK has no Kubernetes login (5.0.2 offers universal auth and
// AWS IAM only).
func TestInfisicalNodeSDKSecrets(t *testing.T) {
	dir := nodeSDKDir(t)
	const region = "eu-west-1"
	stsHost := "sts." + region + ".amazonaws.com"
	sts := platformtest.NewSTSNamed(t, stsHost)
	sts.AddCredentials("AKIDSHOPWEB", platformtest.Principal{SecretAccessKey: "shop-web-secret", Account: awsAccount,
		Arn: "arn:aws:sts::" + awsAccount + ":assumed-role/shop-web/i-0abc", UserID: "AROASHOPWEB:i-0abc"})
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM([]byte(sts.CAPEM))
	srv := servertest.Start(t, servertest.Options{Backend: servertest.Postgres, AllowInternalOutbound: true,
		OutboundRoots: roots, OutboundResolve: map[string]string{stsHost: sts.Addr}})
	admin := srv.Admin(t)
	ctx := t.Context()

	project := must(admin.CreateProject(ctx, api.ProjectInput{Name: "Shop", Slug: "shop"}))(t)
	for i, env := range []string{"dev", "staging"} {
		must(admin.CreateEnvironment(ctx, project.ID, api.EnvironmentInput{Name: env, Slug: env, Position: i + 1}))(t)
	}
	must(admin.CreateProjectRole(ctx, project.ID, api.RoleInput{Slug: "web-runtime", Name: "Web runtime", Permissions: []api.PermissionRule{
		{Subject: api.SubjectSecrets, Actions: []string{api.ActionDescribe, api.ActionRead},
			Conditions: &api.PermissionConditions{Environments: []string{"dev"}, SecretPaths: []string{"/app/**"}}},
		{Subject: api.SubjectSecrets, Actions: []string{api.ActionRead}, Inverted: true,
			Conditions: &api.PermissionConditions{Environments: []string{"dev"}, SecretPaths: []string{"/app/private/**"}}},
	}}))(t)
	identity := must(admin.CreateIdentity(ctx, api.IdentityInput{Name: "shop-web", Role: "no-access"}))(t)
	must(admin.CreateMembership(ctx, project.ID, identity.ID, api.ProjectMembershipInput{Roles: []api.MembershipRole{{RoleSlug: "web-runtime"}}}))(t)
	ua := must(admin.PutUniversalAuth(ctx, identity.ID, 0, api.UniversalAuthInput{}))(t)
	cs := must(admin.CreateClientSecret(ctx, identity.ID, api.ClientSecretInput{Description: "node sdk"}))(t)
	must(admin.PutAWSAuth(ctx, identity.ID, 0, api.AWSAuthInput{AWSAuthConfig: api.AWSAuthConfig{AllowedAccountIDs: []string{awsAccount},
		AllowedPrincipalArns: []string{"arn:aws:iam::" + awsAccount + ":role/shop-web"}, STSRegion: region}}))(t)

	type place struct{ env, path, key string }
	allowed := []place{{"dev", "/app/web", "API_KEY"}, {"dev", "/app/web", "DB_URL"}, {"dev", "/app/web/cache", "REDIS_URL"}}
	refused := map[place]string{
		{"dev", "/app/private/keys", "SIGNING_KEY"}: `a deny rule of project role "web-runtime" refuses read on secrets at dev:/app/private/keys`,
		{"staging", "/app/web", "DB_URL"}:           `no rule grants read on secrets at staging:/app/web`,
		{"dev", "/ops", "DEPLOY_TOKEN"}:             `no rule grants read on secrets at dev:/ops`,
	}
	const stagingListReason = `no rule grants read on secrets at staging:/app`
	values := map[place]string{}
	for _, p := range slices.Concat(allowed, slices.Collect(maps.Keys(refused))) {
		b := make([]byte, 12)
		_, _ = rand.Read(b)
		values[p] = "value-of-" + p.key + "-" + hex.EncodeToString(b)
		must(admin.CreateSecret(ctx, p.key, api.SecretCreate{WorkspaceID: project.ID, Environment: p.env, SecretPath: p.path, SecretValue: values[p]}))(t)
	}

	plan := nodeSDKPlan{SiteURL: srv.URL, ProjectID: project.ID,
		Lists: []nodeSDKList{{Environment: "dev", SecretPath: "/app", Recursive: true}, {Environment: "staging", SecretPath: "/app", Recursive: true}}}
	for _, p := range slices.Concat(allowed, slices.Collect(maps.Keys(refused))) {
		plan.Gets = append(plan.Gets, nodeSDKGet{Environment: p.env, SecretPath: p.path, SecretKey: p.key})
	}
	// The deny rule refuses the value, not its description: with
	// viewSecretValue false the SDK sees the key and version, never the value.
	described := place{"dev", "/app/private/keys", "SIGNING_KEY"}
	plan.Gets = append(plan.Gets, nodeSDKGet{Environment: described.env, SecretPath: described.path, SecretKey: described.key, Describe: true})
	awsEnv := t.TempDir()
	logins := []struct {
		login nodeSDKLogin
		env   []string
	}{
		{login: nodeSDKLogin{Method: "universal-auth", ClientID: ua.ClientID, ClientSecret: cs.ClientSecret}},
		{login: nodeSDKLogin{Method: "aws-iam", IdentityID: identity.ID}, env: []string{"AWS_ACCESS_KEY_ID=AKIDSHOPWEB",
			"AWS_SECRET_ACCESS_KEY=shop-web-secret", "AWS_SESSION_TOKEN=", "AWS_REGION=" + region, "AWS_PROFILE=",
			"AWS_EC2_METADATA_DISABLED=true", "AWS_CONFIG_FILE=" + awsEnv + "/config", "AWS_SHARED_CREDENTIALS_FILE=" + awsEnv + "/credentials"}},
	}
	for _, l := range logins {
		plan.Login = l.login
		out := runNodeSDK(t, dir, plan, l.env...)
		what := func(op string) string { return l.login.Method + ": " + op }

		// refusal checks an error the SDK threw for a 403: its request
		// error, whose message ends with the status and our problem's
		// message.
		refusal := func(op string, e *nodeSDKError, reason string) {
			t.Helper()
			if e == nil || e.Name != "InfisicalSDKRequestError" || !strings.HasPrefix(e.Message, "[URL="+srv.URL+"/api/v3/secrets/raw") ||
				!strings.HasSuffix(e.Message, "] [Method=GET] [StatusCode=403] "+reason+": forbidden") {
				t.Errorf("%s: the SDK threw %+v, want an InfisicalSDKRequestError for 403 %q", what(op), e, reason)
			}
		}

		var listed, wantListed []string
		if dev := out.Lists[0]; dev.Error != nil {
			t.Errorf("%s: %+v", what("listSecrets dev:/app"), dev.Error)
		} else {
			for _, s := range dev.Secrets {
				if s.Environment != "dev" || s.Version != 1 {
					t.Errorf("%s returned %+v", what("listSecrets dev:/app"), s)
				}
				listed = append(listed, s.SecretPath+" "+s.SecretKey+"="+s.SecretValue)
			}
		}
		for _, p := range allowed {
			wantListed = append(wantListed, p.path+" "+p.key+"="+values[p])
		}
		slices.Sort(listed)
		if !slices.Equal(listed, wantListed) {
			t.Errorf("%s returned %v, want %v", what("listSecrets dev:/app"), listed, wantListed)
		}
		refusal("listSecrets staging:/app", out.Lists[1].Error, stagingListReason)

		for _, g := range out.Gets {
			p := place{g.Environment, g.SecretPath, g.SecretKey}
			if g.Describe {
				if g.Error != nil || g.Secret == nil || g.Secret.SecretValue != "" || !g.Secret.Hidden || g.Secret.Version != 1 || g.Secret.SecretKey != p.key {
					t.Errorf("%s: secret %+v, error %+v; want it without its value", what(fmt.Sprint("getSecret without value ", p)), g.Secret, g.Error)
				}
				continue
			}
			if reason, ok := refused[p]; ok {
				refusal("getSecret "+p.env+":"+p.path+" "+p.key, g.Error, reason)
				continue
			}
			if g.Error != nil || g.Secret == nil || g.Secret.SecretValue != values[p] || g.Secret.Version != 1 ||
				g.Secret.Environment != p.env || g.Secret.SecretPath != p.path || g.Secret.SecretKey != p.key {
				t.Errorf("%s: secret %+v, error %+v; want value %q", what(fmt.Sprint("getSecret ", p)), g.Secret, g.Error, values[p])
			}
		}
	}
	if sts.Accepted.Load() != 1 {
		t.Errorf("the fake STS verified %d signatures of the SDK's AWS login, want 1", sts.Accepted.Load())
	}

	// Each login listed and retrieved every readable secret, and was
	// refused the rest.
	n := len(logins)
	want := map[string]int{"refused staging:/app: " + stagingListReason: n}
	for _, p := range allowed {
		want["read "+p.env+":"+p.path+" "+p.key+" v1"] = 2 * n
	}
	for p, reason := range refused {
		want["refused "+p.env+":"+p.path+" "+p.key+": "+reason] = n
	}
	got, err := servertest.SecretReads(ctx, admin, identity.ID, project.ID, slices.Collect(maps.Values(values)))
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(got, want) {
		t.Errorf("secret.read audit events %v, want %v", got, want)
	}
}
