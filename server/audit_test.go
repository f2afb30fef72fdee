package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

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
		{[]string{"audit", "--fail-on", "high", auditState}, 3, ""},
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

// With no input and no server, the audit says what it needs.
func TestAuditLiveNeedsAHost(t *testing.T) {
	t.Setenv("IDPLANE_HOST", "")
	code, _, errOut := runCLI(t, context.Background(), "audit")
	if code != 1 || !strings.Contains(errOut, "IDPLANE_HOST") {
		t.Errorf("exit %d, %q", code, errOut)
	}
}
