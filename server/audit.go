package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/identityaudit"
)

// exitFindings is the exit status of `idplane audit --fail-on` when a
// finding at or above the threshold exists (1 stays for errors, 2 for usage).
const exitFindings = 3

// errFindings reports that --fail-on was triggered.
var errFindings = errors.New("findings at or above the --fail-on severity")

type auditOptions struct {
	format, failOn, failOnScope, at, production, host string
	unusedDays                                        int
	live                                              bool
}

// audit is `idplane audit [FILE|-]`: the identity audit of a
// `terraform show -json` state or plan (FILE, - for stdin, or a piped
// stdin), or of the live server with --live or when nothing is given.
func audit(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	var o auditOptions
	f := newFlagSet("audit", stderr)
	f.String(&o.format, "format", "text", "output: text, json or markdown")
	f.String(&o.failOn, "fail-on", "", "exit 3 when a finding of this severity or higher exists: low, medium or high")
	f.String(&o.failOnScope, "fail-on-scope", "", "findings --fail-on counts: introduced (by a plan; the default for plans) or all (the default otherwise)")
	f.Bool(&o.live, "live", false, "audit the server at --host even when stdin is piped")
	f.String(&o.at, "at", "", "evaluate temporary grants at this RFC 3339 time instead of now")
	f.String(&o.production, "production-environments", "", "comma-separated environment slugs that are production besides those whose slug or name says prod")
	f.Int(&o.unusedDays, "unused-days", api.DefaultUnusedDays, "live: identities and client secrets without a login for this many days are unused, and secret grants are compared with the secret reads and writes of as many days")
	f.String(&o.host, "host", "", "server URL for a live audit (defaults to IDPLANE_HOST)")
	f.Usage = func() {
		fmt.Fprint(f.Output(), "Usage: idplane audit [flags] [FILE|-]\n\nAudits `terraform show -json` output of a state or a saved plan (FILE, - or a piped stdin),\nor the live server with --live or when stdin is a terminal (IDPLANE_HOST and the provider's\ncredential variables). For a plan, --fail-on counts the findings the plan introduces\nunless --fail-on-scope all.\n\n")
		f.PrintDefaults()
	}
	if err := f.Parse(args); err != nil {
		return usageError{err}
	}
	if f.err != nil {
		return f.err
	}
	if f.NArg() > 1 {
		fmt.Fprintf(stderr, "idplane audit takes at most one input, got %d\n", f.NArg())
		return usageError{errors.New("too many arguments")}
	}
	opts, err := o.check()
	if err != nil {
		fmt.Fprintf(stderr, "idplane audit: %v\n", err)
		return usageError{err}
	}
	var a *api.IdentityAudit
	switch input := "-"; {
	case o.live && f.NArg() == 1:
		fmt.Fprintf(stderr, "idplane audit: --live audits the server, so it takes no FILE (got %q)\n", f.Arg(0))
		return usageError{errors.New("--live with a FILE")}
	case o.live:
		a, err = auditLive(ctx, o.host, opts)
	case f.NArg() == 1:
		input = f.Arg(0)
		fallthrough
	case piped(stdin):
		a, err = auditTerraform(input, stdin, opts)
	default:
		a, err = auditLive(ctx, o.host, opts)
	}
	if err != nil {
		return err
	}
	if o.failOn != "" {
		if a.Gate, err = gate(a, o.failOn, o.failOnScope); err != nil {
			fmt.Fprintf(stderr, "idplane audit: %v\n", err)
			return usageError{err}
		}
	}
	if err := render(stdout, o.format, a, opts.ProductionEnvironments); err != nil {
		return fmt.Errorf("write the audit: %w", err)
	}
	if g := a.Gate; g != nil && g.Failed {
		fmt.Fprintf(stderr, "idplane audit: %d %s at or above %s (--fail-on-scope %s)\n", g.Findings, gateScopeText(g.Scope), g.FailOn, g.Scope)
		return errFindings
	}
	return nil
}

// piped reports whether stdin carries input: a pipe, a file or a socket,
// not a terminal (nor /dev/null, a character device like a terminal). A
// reader that is not a file (a test's) is input.
func piped(stdin io.Reader) bool {
	f, ok := stdin.(*os.File)
	if !ok {
		return stdin != nil
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice == 0
}

// gate counts the findings at or above failOn in scope: by default those a
// plan introduces for a plan, and all of them otherwise.
func gate(a *api.IdentityAudit, failOn, scope string) (*api.AuditGate, error) {
	switch {
	case scope == "" && a.Change != nil:
		scope = api.GateScopeIntroduced
	case scope == "":
		scope = api.GateScopeAll
	case scope != api.GateScopeIntroduced && scope != api.GateScopeAll:
		return nil, fmt.Errorf("--fail-on-scope must be introduced or all, got %q", scope)
	case scope == api.GateScopeIntroduced && a.Change == nil:
		return nil, fmt.Errorf("--fail-on-scope introduced needs a plan; this audit is of a %s (use all)", a.Source)
	}
	findings := a.Findings
	if scope == api.GateScopeIntroduced {
		findings = a.Change.FindingsIntroduced
	}
	g := &api.AuditGate{FailOn: failOn, Scope: scope}
	for _, x := range findings {
		if api.SeverityRank(x.Severity) >= api.SeverityRank(failOn) {
			g.Findings++
		}
	}
	g.Failed = g.Findings > 0
	return g, nil
}

// gateScopeText names the findings a gate counted, for people.
func gateScopeText(scope string) string {
	if scope == api.GateScopeIntroduced {
		return "finding(s) introduced by the plan"
	}
	return "finding(s)"
}

func (o auditOptions) check() (identityaudit.Options, error) {
	opts := identityaudit.Options{ProductionEnvironments: api.SplitList(o.production), UnusedDays: o.unusedDays}
	if !slices.Contains([]string{"text", "json", "markdown"}, o.format) {
		return opts, fmt.Errorf("--format must be text, json or markdown, got %q", o.format)
	}
	if o.failOn != "" && api.SeverityRank(o.failOn) == 0 {
		return opts, fmt.Errorf("--fail-on must be low, medium or high, got %q", o.failOn)
	}
	if o.unusedDays < 1 || o.unusedDays > api.MaxUnusedDays {
		return opts, fmt.Errorf("--unused-days must be between 1 and %d, got %d", api.MaxUnusedDays, o.unusedDays)
	}
	if o.at != "" {
		t, err := time.Parse(time.RFC3339, o.at)
		if err != nil {
			return opts, fmt.Errorf("--at must be an RFC 3339 time such as 2026-01-02T15:04:05Z, got %q", o.at)
		}
		opts.At = t
	}
	return opts, nil
}

func auditTerraform(name string, stdin io.Reader, opts identityaudit.Options) (*api.IdentityAudit, error) {
	in := stdin
	if name == "-" {
		data, err := io.ReadAll(stdin)
		if err != nil {
			return nil, fmt.Errorf("read stdin: %w", err)
		}
		if len(bytes.TrimSpace(data)) == 0 {
			return nil, errors.New("stdin is empty: pipe `terraform show -json` output into it, pass a FILE, or pass --live to audit the server")
		}
		in = bytes.NewReader(data)
	} else {
		file, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("open terraform JSON: %w", err)
		}
		defer file.Close()
		in = file
	}
	return identityaudit.AuditTerraform(in, opts)
}

func auditLive(ctx context.Context, host string, opts identityaudit.Options) (*api.IdentityAudit, error) {
	if host == "" {
		host = os.Getenv(api.EnvHost)
	}
	if host == "" {
		return nil, fmt.Errorf("no input and no server: pass a `terraform show -json` file (or pipe it into stdin), or set --host or %s for a live audit", api.EnvHost)
	}
	creds, _, err := api.CredentialsFromEnv()
	if err != nil {
		return nil, err
	}
	c, err := api.NewClient(host, creds, api.WithUserAgent("idplane-audit"))
	if err != nil {
		return nil, err
	}
	q := api.IdentityAuditQuery{At: opts.At, UnusedDays: opts.UnusedDays}
	if len(opts.ProductionEnvironments) > 0 {
		q.ProductionEnvironments = strings.Join(opts.ProductionEnvironments, ",")
	}
	a, err := c.IdentityAudit(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("audit %s: %w", host, err)
	}
	return a, nil
}

func render(w io.Writer, format string, a *api.IdentityAudit, production []string) error {
	switch format {
	case "json":
		return identityaudit.WriteJSON(w, a)
	case "markdown":
		return identityaudit.WriteMarkdown(w, a)
	}
	return identityaudit.WriteText(w, a, production)
}
