package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func runCLI(t *testing.T, ctx context.Context, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(ctx, args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func dbFlags(t *testing.T) []string {
	dir := t.TempDir()
	return []string{"--database-url", filepath.Join(dir, "idplane.db"), "--master-key-file", filepath.Join(dir, "idplane.key")}
}

func TestBootstrapOnceThenRefuses(t *testing.T) {
	ctx := context.Background()
	db := dbFlags(t)
	code, out, errOut := runCLI(t, ctx, append([]string{"bootstrap", "--organization", "acme", "--output", "json"}, db...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var res map[string]string
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	for _, k := range []string{"organizationId", "identityId", "clientId", "clientSecret"} {
		if res[k] == "" {
			t.Errorf("bootstrap output lacks %s: %s", k, out)
		}
	}
	if !strings.HasPrefix(res["clientSecret"], "idp_cs_") {
		t.Errorf("client secret %q lacks its prefix", res["clientSecret"])
	}

	code, out, errOut = runCLI(t, ctx, append([]string{"bootstrap", "--organization", "acme", "--output", "json"}, db...)...)
	if code != 1 || out != "" || !strings.Contains(errOut, `organization "acme" is already bootstrapped`) {
		t.Fatalf("second bootstrap: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	code, _, errOut = runCLI(t, ctx, append([]string{"bootstrap", "--organization", "globex"}, db...)...)
	if code != 0 {
		t.Fatalf("second tenant: exit %d: %s", code, errOut)
	}
}

func TestMigrateReportsWhatItApplied(t *testing.T) {
	ctx := context.Background()
	db := []string{"--database-url", filepath.Join(t.TempDir(), "m.db")}
	code, out, errOut := runCLI(t, ctx, append([]string{"migrate"}, db...)...)
	if code != 0 || !strings.Contains(out, "applied migrations [1]") {
		t.Fatalf("first migrate: exit %d, %q %q", code, out, errOut)
	}
	code, out, _ = runCLI(t, ctx, append([]string{"migrate"}, db...)...)
	if code != 0 || !strings.Contains(out, "up to date at version 1") {
		t.Fatalf("second migrate: exit %d, %q", code, out)
	}
}

func TestUsageErrors(t *testing.T) {
	ctx := context.Background()
	for _, args := range [][]string{{}, {"nope"}, {"serve", "--no-such-flag"}, {"serve", "extra"}} {
		if code, _, _ := runCLI(t, ctx, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	if code, _, errOut := runCLI(t, ctx, "bootstrap", "--output", "yaml"); code != 1 || !strings.Contains(errOut, "--output must be json or text") {
		t.Errorf("bad --output: exit %d, %q", code, errOut)
	}
}

// serve reads its flags from IDPLANE_* variables, answers /readyz, and
// returns cleanly when told to stop (SIGTERM cancels the same context).
func TestServeFromEnvironmentAndStop(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	dir := t.TempDir()
	t.Setenv("IDPLANE_LISTEN", addr)
	t.Setenv("IDPLANE_DATABASE_URL", filepath.Join(dir, "s.db"))
	t.Setenv("IDPLANE_MASTER_KEY_FILE", filepath.Join(dir, "s.key"))
	t.Setenv("IDPLANE_LOG_FORMAT", "text")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var logs bytes.Buffer
	go func() { done <- run(ctx, []string{"serve"}, &bytes.Buffer{}, &logs) }()
	ready := false
	for i := 0; i < 100 && !ready; i++ {
		res, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			ready = res.StatusCode == http.StatusOK
			res.Body.Close()
		}
		if !ready {
			time.Sleep(50 * time.Millisecond)
		}
	}
	if !ready {
		cancel()
		t.Fatalf("server never became ready on %s", addr)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop after its context ended")
	}
	if !strings.Contains(logs.String(), "shutting down") || !strings.Contains(logs.String(), "stopped") {
		t.Errorf("no shutdown in the log:\n%s", logs.String())
	}
	if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
		t.Error("server still answers after shutdown")
	}
}
