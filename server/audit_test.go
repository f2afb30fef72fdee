package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/idplane/idplane/server/api"
)

const auditState = "testdata/audit-state.json"

// --fail-on exits 3 when a finding at or above the severity exists, 0 when
// none does; 2 is a usage error and 1 any other error.
func TestAuditFailOnExitCodes(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"audit", "--fail-on", "medium", auditState}, 3, ""},
		{[]string{"audit", "--fail-on", "high", auditState}, 0, ""},
		{[]string{"audit", "--fail-on", "low", auditState}, 3, ""},
		{[]string{"audit", auditState}, 0, ""},
		{[]string{"audit", "--fail-on", "critical", auditState}, 2, "--fail-on must be low, medium or high"},
		{[]string{"audit", "--format", "yaml", auditState}, 2, "--format must be text, json or markdown"},
		{[]string{"audit", "--at", "yesterday", auditState}, 2, "--at must be an RFC 3339 time"},
		{[]string{"audit", auditState, auditState}, 2, "at most one input"},
		{[]string{"audit", "testdata/no-such-file.json"}, 1, "open terraform JSON"},
	} {
		code, _, errOut := runCLI(t, ctx, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.err) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d mentioning %q", tc.args, code, errOut, tc.code, tc.err)
		}
	}
}

// --at chooses the instant temporary grants are evaluated at: app's
// one-day viewer grant counts during that day and not after it.
func TestAuditAtEvaluatesTemporaryGrants(t *testing.T) {
	ctx := context.Background()
	sets := func(at string) int {
		t.Helper()
		code, out, errOut := runCLI(t, ctx, "audit", "--format", "json", "--at", at, auditState)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		var a api.IdentityAudit
		if err := json.Unmarshal([]byte(out), &a); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, out)
		}
		for _, g := range a.Groups {
			if len(g.Identities) == 1 && g.Identities[0] == "app" {
				return len(g.Grants)
			}
		}
		t.Fatalf("no group of app: %s", out)
		return 0
	}
	if during, after := sets("2026-01-01T12:00:00Z"), sets("2026-01-02T00:00:00Z"); during == 0 || after != 0 {
		t.Errorf("app's viewer grant: %d rows during it, %d after it ends; want some, then none", during, after)
	}
}

func TestAuditFormats(t *testing.T) {
	ctx := context.Background()
	for format, want := range map[string]string{
		"text":     "distinct permission sets: 2",
		"markdown": "### Identity audit (state)",
		"json":     `"distinctPermissionSets": 2`,
	} {
		code, out, errOut := runCLI(t, ctx, "audit", "--format", format, auditState)
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("%s: exit %d, %q\n%s", format, code, errOut, out)
		}
	}
}

// A Terraform state or plan holds no audit log: the text and Markdown
// outputs say that secret grants are not judged by use, and no finding is
// drawn from use.
func TestAuditOfTerraformSaysUseIsNotJudged(t *testing.T) {
	ctx := context.Background()
	for _, in := range []string{auditState, auditPlanDescription} {
		for _, format := range []string{"text", "markdown"} {
			code, out, errOut := runCLI(t, ctx, "audit", "--format", format, in)
			if code != 0 || !strings.Contains(out, "Secret use") ||
				!strings.Contains(out, "not judged: a Terraform state or plan holds no audit log; the live audit (idplane audit --host) compares secret grants with their use") {
				t.Errorf("%s as %s: exit %d, %q; no word on secret use:\n%s", in, format, code, errOut, out)
			}
			if strings.Contains(out, "grant-unused") || strings.Contains(out, "grant-broader-than-use") {
				t.Errorf("%s as %s: a finding drawn from use:\n%s", in, format, out)
			}
		}
	}
}

// With no input and no server, the audit says what it needs.
func TestAuditLiveNeedsAHost(t *testing.T) {
	t.Setenv("IDPLANE_HOST", "")
	code, _, errOut := runCLI(t, context.Background(), "audit")
	if code != 1 || !strings.Contains(errOut, "IDPLANE_HOST") {
		t.Errorf("exit %d, %q", code, errOut)
	}
}

const auditPlanDescription = "testdata/audit-plan-description.json"

// A plan that only edits a project's description introduces nothing, so
// --fail-on high passes although the organization already has an admin
// (a high finding); --fail-on-scope all gates on that one. The output
// says which scope gated.
func TestAuditPlanGatesOnIntroducedFindings(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		args  []string
		code  int
		scope string
	}{
		{[]string{"--fail-on", "high"}, 0, api.GateScopeIntroduced},
		{[]string{"--fail-on", "high", "--fail-on-scope", "introduced"}, 0, api.GateScopeIntroduced},
		{[]string{"--fail-on", "high", "--fail-on-scope", "all"}, 3, api.GateScopeAll},
	} {
		args := append(append([]string{"audit", "--format", "json"}, tc.args...), auditPlanDescription)
		code, out, errOut := runCLI(t, ctx, args...)
		if code != tc.code {
			t.Errorf("%v: exit %d, want %d: %s", tc.args, code, tc.code, errOut)
			continue
		}
		var a api.IdentityAudit
		if err := json.Unmarshal([]byte(out), &a); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, out)
		}
		if a.Gate == nil || a.Gate.Scope != tc.scope || (a.Gate.Findings > 0) != (tc.code == 3) || a.Gate.Failed != (tc.code == 3) {
			t.Errorf("%v: gate %+v, want scope %s failing %t", tc.args, a.Gate, tc.scope, tc.code == 3)
		}
		if tc.code == 3 && !strings.Contains(errOut, "--fail-on-scope all") {
			t.Errorf("%v: stderr %q does not say which scope gated", tc.args, errOut)
		}
	}
	for format, want := range map[string]string{
		"text":     "--fail-on high over the findings the plan introduces (--fail-on-scope introduced): 0 at or above high, passed",
		"markdown": "**Gate:** --fail-on high over the findings the plan introduces (--fail-on-scope introduced): 0 at or above high, passed.",
	} {
		code, out, errOut := runCLI(t, ctx, "audit", "--format", format, "--fail-on", "high", auditPlanDescription)
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("%s: exit %d %s, output lacks %q:\n%s", format, code, errOut, want, out)
		}
	}
	code, _, errOut := runCLI(t, ctx, "audit", "--fail-on", "high", "--fail-on-scope", "introduced", auditState)
	if code != 2 || !strings.Contains(errOut, "--fail-on-scope introduced needs a plan") {
		t.Errorf("introduced on a state: exit %d, %q", code, errOut)
	}
	code, _, errOut = runCLI(t, ctx, "audit", "--fail-on", "high", "--fail-on-scope", "some", auditState)
	if code != 2 || !strings.Contains(errOut, "--fail-on-scope must be introduced or all") {
		t.Errorf("bad scope: exit %d, %q", code, errOut)
	}
}

// `terraform show -json plan.out | idplane audit` audits the plan even
// with IDPLANE_HOST set (which points nowhere here): a piped stdin is the
// input. --live is the explicit way to audit the server instead, and an
// empty pipe is refused naming both choices.
func TestAuditReadsPipedStdin(t *testing.T) {
	t.Setenv("IDPLANE_HOST", "http://127.0.0.1:1")
	t.Setenv("IDPLANE_TOKEN", "not-a-token")
	ctx := context.Background()
	plan, err := os.ReadFile(auditPlanDescription)
	if err != nil {
		t.Fatal(err)
	}
	pipe := func(data []byte) *os.File {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close() })
		go func() {
			w.Write(data)
			w.Close()
		}()
		return r
	}
	file, err := os.Open(auditPlanDescription)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	for name, stdin := range map[string]*os.File{"pipe": pipe(plan), "redirected file": file} {
		var out, errOut strings.Builder
		if err := audit(ctx, []string{"--format", "json"}, stdin, &out, &errOut); err != nil {
			t.Fatalf("%s: %v %s", name, err, errOut.String())
		}
		var a api.IdentityAudit
		if err := json.Unmarshal([]byte(out.String()), &a); err != nil || a.Source != api.AuditSourcePlan || a.Change == nil {
			t.Errorf("%s: audited %q (%v), not the piped plan", name, a.Source, err)
		}
	}
	var out, errOut strings.Builder
	err = audit(ctx, nil, pipe(nil), &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "stdin is empty") || !strings.Contains(err.Error(), "--live") || !strings.Contains(err.Error(), "FILE") {
		t.Errorf("empty pipe: %v", err)
	}
	err = audit(ctx, []string{"--live"}, pipe(plan), &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "audit http://127.0.0.1:1") {
		t.Errorf("--live with a piped stdin audited something other than the server: %v\n%s", err, out.String())
	}
	if err := audit(ctx, []string{"--live", auditState}, pipe(nil), &out, &errOut); !errors.As(err, new(usageError)) {
		t.Errorf("--live with a FILE: %v", err)
	}
}

// A plan that adds an 8-hour admin grant reads as one in every format:
// the grant and its window, and each action it gains marked until then.
func TestAuditPlanShowsTemporaryWindow(t *testing.T) {
	ctx := context.Background()
	args := []string{"audit", "--at", "2026-12-05T04:00:00Z", "--format"}
	const plan = "testdata/audit-plan-temporary.json"
	code, out, errOut := runCLI(t, ctx, append(args, "json", plan)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var a api.IdentityAudit
	if err := json.Unmarshal([]byte(out), &a); err != nil {
		t.Fatal(err)
	}
	end := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	if c := a.Change; c == nil || len(c.TemporaryGrantsAdded) != 1 || c.TemporaryGrantsAdded[0].Role != "admin" || !c.TemporaryGrantsAdded[0].End.Equal(end) {
		t.Fatalf("temporary grants added: %+v", a.Change)
	}
	if len(a.Change.Granted) == 0 {
		t.Fatal("the temporary admin grant gains nothing")
	}
	for _, g := range a.Change.Granted {
		if g.Until == nil || !g.Until.Equal(end) {
			t.Errorf("granted %+v reads as permanent", g)
		}
	}
	for _, g := range a.Groups {
		for _, gr := range g.Grants {
			if gr.Until == nil || !gr.Until.Equal(end) {
				t.Errorf("permission set row %+v reads as permanent", gr)
			}
		}
	}
	for _, format := range []string{"text", "markdown"} {
		code, out, errOut := runCLI(t, ctx, append(args, format, plan)...)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", format, code, errOut)
		}
		if !strings.Contains(out, "on shop, until 2026-12-05T10:00Z (from 2026-12-05T02:00Z)") || !strings.Contains(out, "admin") {
			t.Errorf("%s lacks the grant's window:\n%s", format, out)
		}
		for _, line := range strings.Split(out, "\n") {
			if strings.Contains(line, " gains ") && !strings.HasSuffix(line, ", until 2026-12-05T10:00Z") {
				t.Errorf("%s: %q reads as permanent", format, line)
			}
		}
	}
	// and after the window, nothing is granted
	a = api.IdentityAudit{}
	code, out, _ = runCLI(t, ctx, "audit", "--at", "2026-12-05T11:00:00Z", "--format", "json", plan)
	if err := json.Unmarshal([]byte(out), &a); code != 0 || err != nil || len(a.Change.Granted) != 0 {
		t.Errorf("after the window: exit %d, granted %+v", code, a.Change)
	}
}
