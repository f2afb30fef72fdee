package acctest_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/terraform-exec/tfexec"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/servertest"
)

// A crash run: terraform apply of groups × 5 resources through a proxy in
// front of a real `idplane serve` process on PostgreSQL, which the test
// kills with SIGKILL every killMin to killMax and starts again on the same
// port; with restartDatabase, PostgreSQL is also stopped (as a crash does)
// and started once mid-apply.
type crashRun struct {
	groups           int
	killMin, killMax time.Duration
	restartDatabase  bool
}

// crashReport is what a crash run ends with.
type crashReport struct {
	kills, databaseRestarts    int
	serverObjects, stateObjs   int
	duplicates, orphans, lost  int
	answers, unavailable, bad  int64
	cut, replayed              int64
	badAnswers                 []string
	planExitCode               int
	applyTime, planTime, total time.Duration
}

func (r crashReport) String() string {
	return fmt.Sprintf(`kills of idplane serve:   %d
PostgreSQL restarts:      %d
objects on the server:    %d
objects in state:         %d
duplicates:               %d
orphans (not in state):   %d
lost (state, no object):  %d
answers through proxy:    %d
requests cut by a kill:   %d
replayed create answers:  %d
503 answers:              %d
other 5xx answers:        %d %v
final plan exit code:     %d
apply %s, plan %s, run %s`, r.kills, r.databaseRestarts, r.serverObjects, r.stateObjs, r.duplicates, r.orphans, r.lost,
		r.answers, r.cut, r.replayed, r.unavailable, r.bad, r.badAnswers, r.planExitCode,
		r.applyTime.Round(time.Second), r.planTime.Round(time.Second), r.total.Round(time.Second))
}

// A server killed at random moments of a large apply loses requests before
// and after their commit; the provider's retries carry the apply through,
// and the server ends up with exactly the objects in state.
func TestCrashSafety(t *testing.T) {
	r := runCrash(t, crashRun{groups: 60, killMin: 200 * time.Millisecond, killMax: time.Second})
	t.Logf("crash run:\n%s", r)
	checkCrashReport(t, r, 300)
}

// TestChaos is make chaos: 1,000 resources, the server killed every few
// seconds and PostgreSQL restarted once. It runs only with IDPLANE_CHAOS=1.
func TestChaos(t *testing.T) {
	if os.Getenv("IDPLANE_CHAOS") != "1" {
		t.Skip("make chaos runs it (IDPLANE_CHAOS=1)")
	}
	r := runCrash(t, crashRun{groups: 200, killMin: time.Second, killMax: 3 * time.Second, restartDatabase: true})
	fmt.Printf("chaos run:\n%s\n", r)
	checkCrashReport(t, r, 1000)
	if r.databaseRestarts != 1 {
		t.Errorf("PostgreSQL restarted %d times, want 1", r.databaseRestarts)
	}
}

func checkCrashReport(t *testing.T, r crashReport, want int) {
	t.Helper()
	if r.kills < 3 || r.cut == 0 {
		t.Errorf("the server was killed %d times, cutting %d requests: the apply outran the test", r.kills, r.cut)
	}
	if r.stateObjs != want || r.serverObjects != want {
		t.Errorf("%d objects in state and %d on the server, want %d", r.stateObjs, r.serverObjects, want)
	}
	if r.duplicates != 0 || r.orphans != 0 || r.lost != 0 {
		t.Errorf("%d duplicates, %d orphans, %d lost, want none", r.duplicates, r.orphans, r.lost)
	}
	if r.bad != 0 {
		t.Errorf("%d answers were 5xx other than 503: %v", r.bad, r.badAnswers)
	}
	if r.planExitCode != 0 {
		t.Errorf("the plan after apply exited %d, want 0 (empty)", r.planExitCode)
	}
}

const crashConfig = `terraform {
  required_providers {
    idplane = { source = "idplane/idplane" }
  }
}

provider "idplane" {}

variable "groups" { type = number }

resource "idplane_project" "p" {
  count = var.groups
  name  = "project ${count.index}"
  slug  = "project-${count.index}"
}

resource "idplane_identity" "i" {
  count = var.groups
  name  = "workload-${count.index}"
  role  = "no-access"
}

resource "idplane_identity_universal_auth" "u" {
  count       = var.groups
  identity_id = idplane_identity.i[count.index].id
}

resource "idplane_identity_universal_auth_client_secret" "s" {
  count       = var.groups
  identity_id = idplane_identity_universal_auth.u[count.index].identity_id
  description = "secret ${count.index}"
}

resource "idplane_project_identity" "m" {
  count       = var.groups
  project_id  = idplane_project.p[count.index].id
  identity_id = idplane_identity.i[count.index].id
  roles       = [{ role_slug = "viewer" }]
}
`

var (
	serverBuildOnce sync.Once
	serverBinary    string
	serverBuildErr  error
)

// idplaneBinary builds the idplane binary once per test process.
func idplaneBinary(t *testing.T) string {
	t.Helper()
	serverBuildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "idplane-server-*")
		if err != nil {
			serverBuildErr = err
			return
		}
		serverBinary = filepath.Join(dir, "idplane")
		if out, err := exec.Command("go", "build", "-o", serverBinary, "../../../server").CombinedOutput(); err != nil {
			serverBuildErr = fmt.Errorf("build idplane: %v\n%s", err, out)
		}
	})
	if serverBuildErr != nil {
		t.Fatal(serverBuildErr)
	}
	return serverBinary
}

// serverProcess runs `idplane serve` on a fixed address, and restarts it.
type serverProcess struct {
	bin, addr string
	env       []string
	log       *os.File
	cmd       *exec.Cmd
}

func (p *serverProcess) start(t *testing.T) {
	t.Helper()
	p.cmd = exec.Command(p.bin, "serve")
	p.cmd.Env = append(os.Environ(), p.env...)
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start idplane serve: %v", err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Get("http://" + p.addr + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("idplane serve on %s not up after 30 s: %v (log %s)", p.addr, err, p.log.Name())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kill ends the process with SIGKILL, as a crash or the OOM killer does.
func (p *serverProcess) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill idplane serve: %v", err)
	}
	_ = p.cmd.Wait()
}

// crashProxy is the stable address in front of the server: what a load
// balancer is. A request whose server dies under it gets its connection
// closed, as the dead server's would be; it counts every answer the server
// gave, and keeps the 5xx answers other than 503.
type crashProxy struct {
	answers, unavailable, bad atomic.Int64
	cut, replayed             atomic.Int64
	mu                        sync.Mutex
	badAnswers                []string
}

func startCrashProxy(t *testing.T, backend string) (*crashProxy, string) {
	t.Helper()
	p := &crashProxy{}
	rp := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: backend})
	rp.Transport = &http.Transport{DialContext: (&net.Dialer{Timeout: 2 * time.Second}).DialContext, MaxIdleConnsPerHost: 32}
	rp.ModifyResponse = func(res *http.Response) error {
		p.answers.Add(1)
		if res.Header.Get(api.HeaderIdempotentReplayed) == "true" {
			p.replayed.Add(1)
		}
		switch {
		case res.StatusCode == http.StatusServiceUnavailable:
			p.unavailable.Add(1)
		case res.StatusCode >= 500:
			p.bad.Add(1)
			p.mu.Lock()
			p.badAnswers = append(p.badAnswers, fmt.Sprintf("%s %s: %d", res.Request.Method, res.Request.URL.Path, res.StatusCode))
			p.mu.Unlock()
		}
		return nil
	}
	rp.ErrorHandler = func(w http.ResponseWriter, _ *http.Request, _ error) {
		p.cut.Add(1)
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			_ = conn.Close()
		}
	}
	hs := httptest.NewServer(rp)
	t.Cleanup(hs.Close)
	return p, hs.URL
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func runCrash(t *testing.T, run crashRun) crashReport {
	if os.Getenv("TF_ACC") == "" {
		t.Fatal("acceptance tests need TF_ACC=1 (make test sets it)")
	}
	start := time.Now()
	bin := idplaneBinary(t)
	rc := cliConfig(t)
	db := servertest.NewCluster(t)
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	env := []string{"IDPLANE_DATABASE_URL=" + db.DSN, "IDPLANE_MASTER_KEY=" + base64.StdEncoding.EncodeToString(key)}
	bootOut, err := exec.Command(bin, "bootstrap", "--database-url", db.DSN, "--master-key", strings.TrimPrefix(env[1], "IDPLANE_MASTER_KEY="),
		"--organization", "acme", "--output", "json").Output()
	if err != nil {
		t.Fatalf("bootstrap: %v", err)
	}
	var boot struct{ IdentityID, ClientID, ClientSecret string }
	if err := json.Unmarshal(bootOut, &boot); err != nil {
		t.Fatalf("bootstrap output %s: %v", bootOut, err)
	}
	work := t.TempDir()
	logFile, err := os.Create(filepath.Join(work, "idplane.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	srv := &serverProcess{bin: bin, addr: freeAddr(t), log: logFile}
	srv.env = append(env, "IDPLANE_LISTEN="+srv.addr, "IDPLANE_LOGIN_RATE=0", "IDPLANE_LOG_LEVEL=warn")
	srv.start(t)
	t.Cleanup(func() { srv.kill(t) })
	proxy, proxyURL := startCrashProxy(t, srv.addr)

	if err := os.WriteFile(filepath.Join(work, "main.tf"), []byte(crashConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	tf, err := tfexec.NewTerraform(work, os.Getenv("TF_ACC_TERRAFORM_PATH"))
	if err != nil {
		t.Fatal(err)
	}
	if err := tf.SetEnv(map[string]string{"TF_CLI_CONFIG_FILE": rc, "CHECKPOINT_DISABLE": "1", "IDPLANE_HOST": proxyURL,
		"IDPLANE_CLIENT_ID": boot.ClientID, "IDPLANE_CLIENT_SECRET": boot.ClientSecret}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	groups := tfexec.Var(fmt.Sprintf("groups=%d", run.groups))

	var report crashReport
	applyStart := time.Now()
	applied := make(chan error, 1)
	go func() { applied <- tf.Apply(ctx, groups) }()
	for done := false; !done; {
		select {
		case err := <-applied:
			if err != nil {
				t.Fatalf("apply under kills did not converge after %d kills: %v\nserver log: %s", report.kills, err, logFile.Name())
			}
			done = true
		case <-time.After(run.killMin + mrand.N(run.killMax-run.killMin)):
			if run.restartDatabase && report.databaseRestarts == 0 && report.kills == 3 {
				// The server stays up and answers 503 meanwhile.
				db.Stop(t)
				time.Sleep(3 * time.Second)
				db.Start(t)
				report.databaseRestarts++
				continue
			}
			srv.kill(t)
			report.kills++
			srv.start(t)
		}
	}
	report.applyTime = time.Since(applyStart)

	planStart := time.Now()
	changes, err := tf.Plan(ctx, groups)
	report.planTime = time.Since(planStart)
	switch {
	case err != nil:
		t.Errorf("plan after apply: %v", err)
		report.planExitCode = 1
	case changes:
		report.planExitCode = 2
	}
	state, err := tf.Show(ctx)
	if err != nil {
		t.Fatalf("terraform show: %v", err)
	}
	inState := map[string]bool{}
	for _, r := range state.Values.RootModule.Resources {
		report.stateObjs++
		inState[crashObjectKey(r.Type, r.AttributeValues)] = true
	}
	admin, err := api.NewClient("http://"+srv.addr, api.WithUniversalAuth(boot.ClientID, boot.ClientSecret))
	if err != nil {
		t.Fatal(err)
	}
	onServer, err := serverObjects(ctx, admin, boot.IdentityID)
	if err != nil {
		t.Fatalf("list the server's objects: %v", err)
	}
	onServerIDs := map[string]bool{}
	for _, ids := range onServer {
		report.serverObjects += len(ids)
		report.duplicates += len(ids) - 1
		for _, id := range ids {
			onServerIDs[id] = true
			if !inState[id] {
				report.orphans++
			}
		}
	}
	for id := range inState {
		if !onServerIDs[id] {
			report.lost++
		}
	}
	report.answers, report.unavailable, report.bad = proxy.answers.Load(), proxy.unavailable.Load(), proxy.bad.Load()
	report.cut, report.replayed = proxy.cut.Load(), proxy.replayed.Load()
	report.badAnswers = proxy.badAnswers
	report.total = time.Since(start)
	return report
}

// crashObjectKey names an object of state the way serverObjects does.
func crashObjectKey(typ string, attrs map[string]any) string {
	s := func(k string) string { v, _ := attrs[k].(string); return v }
	switch typ {
	case "idplane_identity_universal_auth":
		return "universal-auth:" + s("identity_id")
	case "idplane_project_identity":
		return "membership:" + s("project_id") + "/" + s("identity_id")
	}
	return strings.TrimPrefix(typ, "idplane_") + ":" + s("id")
}

// serverObjects lists what the apply made on the server (the bootstrap
// admin's own objects aside), by natural key (a project's slug, an
// identity's name, a client secret's description): more than one object
// under a key is a duplicate. Each object is named as crashObjectKey names
// it in state.
func serverObjects(ctx context.Context, c *api.Client, adminID string) (map[string][]string, error) {
	out := map[string][]string{}
	projects, err := c.ListProjects(ctx)
	if err != nil {
		return nil, err
	}
	for _, p := range projects.Projects {
		out["project "+p.Slug] = append(out["project "+p.Slug], "project:"+p.ID)
		ms, err := c.ListMemberships(ctx, p.ID)
		if err != nil {
			return nil, err
		}
		for _, m := range ms.Memberships {
			if m.IdentityID != adminID {
				k := "membership " + p.ID + "/" + m.IdentityID
				out[k] = append(out[k], "membership:"+p.ID+"/"+m.IdentityID)
			}
		}
	}
	identities, err := c.ListIdentities(ctx)
	if err != nil {
		return nil, err
	}
	for _, i := range identities.Identities {
		if i.ID == adminID {
			continue
		}
		out["identity "+i.Name] = append(out["identity "+i.Name], "identity:"+i.ID)
		if _, err := c.GetUniversalAuth(ctx, i.ID); api.IsNotFound(err) {
			continue
		} else if err != nil {
			return nil, err
		}
		out["universal-auth "+i.ID] = append(out["universal-auth "+i.ID], "universal-auth:"+i.ID)
		secrets, err := c.ListClientSecrets(ctx, i.ID)
		if err != nil {
			return nil, err
		}
		for _, cs := range secrets.ClientSecrets {
			k := "client secret " + i.ID + " " + cs.Description
			out[k] = append(out[k], "identity_universal_auth_client_secret:"+cs.ID)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no objects at all")
	}
	return out, nil
}
