package main

import (
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strconv"
	"strings"

	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/internal/app"
)

// usageError marks a flag error whose message flag already printed.
type usageError struct{ error }

// flagSet is a flag.FlagSet whose flags default to their IDPLANE_* variable.
type flagSet struct {
	*flag.FlagSet
	err error
}

func newFlagSet(name string, stderr io.Writer) *flagSet {
	fs := flag.NewFlagSet("idplane "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return &flagSet{FlagSet: fs}
}

func envName(flagName string) string {
	return "IDPLANE_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

func (f *flagSet) String(p *string, name, def, help string) {
	if v, ok := os.LookupEnv(envName(name)); ok {
		def = v
	}
	f.StringVar(p, name, def, help+" ("+envName(name)+")")
}

func (f *flagSet) Bool(p *bool, name string, def bool, help string) {
	if v, ok := os.LookupEnv(envName(name)); ok {
		b, err := strconv.ParseBool(v)
		if err != nil && f.err == nil {
			f.err = fmt.Errorf("%s must be true or false, got %q", envName(name), v)
		}
		def = b
	}
	f.BoolVar(p, name, def, help+" ("+envName(name)+")")
}

func (f *flagSet) Float(p *float64, name string, def float64, help string) {
	if v, ok := os.LookupEnv(envName(name)); ok {
		n, err := strconv.ParseFloat(v, 64)
		if err != nil && f.err == nil {
			f.err = fmt.Errorf("%s must be a number, got %q", envName(name), v)
		}
		def = n
	}
	f.Float64Var(p, name, def, help+" ("+envName(name)+")")
}

func (f *flagSet) Int(p *int, name string, def int, help string) {
	if v, ok := os.LookupEnv(envName(name)); ok {
		n, err := strconv.Atoi(v)
		if err != nil && f.err == nil {
			f.err = fmt.Errorf("%s must be a whole number, got %q", envName(name), v)
		}
		def = n
	}
	f.IntVar(p, name, def, help+" ("+envName(name)+")")
}

func (f *flagSet) parse(args []string) error {
	if err := f.Parse(args); err != nil {
		return usageError{err}
	}
	if f.NArg() > 0 {
		fmt.Fprintf(f.Output(), "unexpected argument %q\n", f.Arg(0))
		return usageError{fmt.Errorf("unexpected argument")}
	}
	return f.err
}

// databaseFlags are shared by every command that opens the database.
func databaseFlags(f *flagSet, cfg *app.Config) {
	f.String(&cfg.DatabaseURL, "database-url", "idplane.db", "postgres://... for PostgreSQL, else a SQLite file path")
	f.String(&cfg.MasterKey, "master-key", "", "base64 master key (32+ bytes) that keys secret hashes and encrypts signing keys; wins over --master-key-file")
	f.String(&cfg.MasterKeyFile, "master-key-file", "idplane.key", "file holding the master key; created if missing. Replicas must share one key")
}

func parsePrefixes(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		p, err := api.ParseCIDR(part)
		if err != nil {
			return nil, fmt.Errorf("--trusted-proxies: %w", err)
		}
		out = append(out, p)
	}
	return out, nil
}
