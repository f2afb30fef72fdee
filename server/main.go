// Command idplane is the machine-identity control plane: serve, migrate,
// bootstrap, audit and backup.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `idplane — control plane for machine identities

Usage:
  idplane serve      [flags]   run the HTTP API
  idplane migrate    [flags]   apply pending database migrations
  idplane bootstrap  [flags]   create an organization and its admin identity
  idplane audit      [flags] [FILE|-]
                               identity audit of terraform show -json output or the live server
  idplane backup     [flags]   copy a SQLite database online (--output FILE)

Run "idplane COMMAND -h" for a command's flags. Every flag can also be set
with the IDPLANE_* environment variable named in its help.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = serve(ctx, args[1:], stderr)
	case "migrate":
		err = migrate(ctx, args[1:], stdout, stderr)
	case "bootstrap":
		err = bootstrap(ctx, args[1:], stdout, stderr)
	case "audit":
		err = audit(ctx, args[1:], os.Stdin, stdout, stderr)
	case "backup":
		err = backup(ctx, args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "idplane: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue):
		return 2
	case errors.Is(err, errFindings):
		return exitFindings
	default:
		fmt.Fprintf(stderr, "idplane %s: %v\n", args[0], err)
		return 1
	}
}
