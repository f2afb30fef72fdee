package main

import (
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
	format, failOn, at, production, host string
	unusedDays                           int
}

// audit is `idplane audit [FILE|-]`: the identity audit of a
// `terraform show -json` state or plan (FILE, or - for stdin), or of the
// live server when no input is given.
func audit(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	var o auditOptions
	f := newFlagSet("audit", stderr)
	f.String(&o.format, "format", "text", "output: text, json or markdown")
	f.String(&o.failOn, "fail-on", "", "exit 3 when a finding of this severity or higher exists: low, medium or high")
	f.String(&o.at, "at", "", "evaluate temporary grants at this RFC 3339 time instead of now")
	f.String(&o.production, "production-environments", "", "comma-separated environment slugs that are production besides those whose slug or name says prod")
	f.Int(&o.unusedDays, "unused-days", api.DefaultUnusedDays, "live: identities and client secrets without a login for this many days are unused")
	f.String(&o.host, "host", "", "server URL for a live audit (defaults to IDPLANE_HOST)")
	f.Usage = func() {
		fmt.Fprint(f.Output(), "Usage: idplane audit [flags] [FILE|-]\n\nAudits `terraform show -json` output of a state or a saved plan (FILE, or - for stdin),\nor the live server when no input is given (IDPLANE_HOST and the provider's credential variables).\n\n")
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
	if f.NArg() == 1 {
		a, err = auditTerraform(f.Arg(0), stdin, opts)
	} else {
		a, err = auditLive(ctx, o.host, opts)
	}
	if err != nil {
		return err
	}
	if err := render(stdout, o.format, a, opts.ProductionEnvironments); err != nil {
		return fmt.Errorf("write the audit: %w", err)
	}
	if o.failOn != "" && slices.ContainsFunc(a.Findings, func(x api.AuditFinding) bool {
		return api.SeverityRank(x.Severity) >= api.SeverityRank(o.failOn)
	}) {
		return errFindings
	}
	return nil
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
	if name != "-" {
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
		return nil, fmt.Errorf("no input and no server: pass a `terraform show -json` file (or - for stdin), or set --host or %s", api.EnvHost)
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
