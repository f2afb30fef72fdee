package main

import (
	"bytes"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const sample = `goos: linux
pkg: github.com/idplane/idplane/server/internal/httpapi
BenchmarkLogin-2   	    3648	   106000 ns/op	   30977 B/op	     217 allocs/op
BenchmarkOIDCVerifyCached/RS256-2         	   20000	     52000 ns/op	    4096 B/op	      50 allocs/op
PASS
idplane on PostgreSQL, load generator on the same 2 cores, 32 keep-alive clients:
universal-auth login               6659 req/s  p50   4.10 ms  p99  13.00 ms  requests 66590  errors 0
universal-auth wrong secret        6000 req/s  p50   4.50 ms  p99  14.00 ms  requests 60000  errors 0
server RSS now 80 MiB, peak 90 MiB
terraform plan (refresh of 4001 resources, default parallelism): 12.3 s, empty
`

func TestParse(t *testing.T) {
	got := Parse(strings.NewReader(sample))
	want := Figures{
		"go server/internal/httpapi BenchmarkLogin ns/op":                      {106000, "ns/op"},
		"go server/internal/httpapi BenchmarkLogin B/op":                       {30977, "B/op"},
		"go server/internal/httpapi BenchmarkLogin allocs/op":                  {217, "allocs/op"},
		"go server/internal/httpapi BenchmarkOIDCVerifyCached/RS256 ns/op":     {52000, "ns/op"},
		"go server/internal/httpapi BenchmarkOIDCVerifyCached/RS256 B/op":      {4096, "B/op"},
		"go server/internal/httpapi BenchmarkOIDCVerifyCached/RS256 allocs/op": {50, "allocs/op"},
		"load universal-auth login req/s":                                      {6659, "req/s"},
		"load universal-auth login p50 ms":                                     {4.1, "ms"},
		"load universal-auth login p99 ms":                                     {13, "ms"},
		"load universal-auth wrong secret req/s":                               {6000, "req/s"},
		"load universal-auth wrong secret p50 ms":                              {4.5, "ms"},
		"load universal-auth wrong secret p99 ms":                              {14, "ms"},
		"load server peak RSS MiB":                                             {90, "MiB"},
		"plan terraform plan of 4001 resources s":                              {12.3, "s"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Parse:\n got %v\nwant %v", got, want)
	}
}

// A figure is worse in its own direction: a time or a count when it grows,
// a rate when it falls; only more than the threshold is flagged.
func TestReportFlagsWhatIsWorse(t *testing.T) {
	base := &Baseline{Machine: "linux-amd64-2cpu", Commit: "abc123", Figures: Figures{
		"go a ns/op":      {100, "ns/op"},
		"go b ns/op":      {100, "ns/op"},
		"load x req/s":    {1000, "req/s"},
		"load y req/s":    {1000, "req/s"},
		"load z p99 ms":   {10, "ms"},
		"load gone req/s": {5, "req/s"},
	}}
	run := Figures{
		"go a ns/op":     {120, "ns/op"}, // 20 % slower: flagged
		"go b ns/op":     {60, "ns/op"},  // faster
		"load x req/s":   {950, "req/s"}, // 5 % fewer: within the threshold
		"load y req/s":   {850, "req/s"}, // 15 % fewer: flagged
		"load z p99 ms":  {10.5, "ms"},   // 5 % slower
		"load new req/s": {7, "req/s"},
	}
	changes, onlyNow, onlyBase := Compare(base.Figures, run)
	worse := map[string]float64{}
	for _, c := range changes {
		worse[c.Name] = c.Worse
	}
	for name, want := range map[string]float64{"go a ns/op": 0.2, "go b ns/op": -0.4, "load x req/s": 0.05, "load y req/s": 0.15, "load z p99 ms": 0.05} {
		if got := worse[name]; got < want-1e-9 || got > want+1e-9 {
			t.Errorf("%s worse by %v, want %v", name, got, want)
		}
	}
	if !reflect.DeepEqual(onlyNow, []string{"load new req/s"}) || !reflect.DeepEqual(onlyBase, []string{"load gone req/s"}) {
		t.Errorf("only now %v, only in the baseline %v", onlyNow, onlyBase)
	}
	var out bytes.Buffer
	Report(&out, base, run, 0.10)
	text := out.String()
	for _, want := range []string{"2 figure(s) more than 10% WORSE", "go a ns/op: 120 ns/op, baseline 100 (+20%)",
		"load y req/s: 850 req/s, baseline 1000 (+15%)", "commit abc123"} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "!!!   load x") || strings.Contains(text, "!!!   go b") {
		t.Errorf("a figure within the threshold or better was flagged:\n%s", text)
	}
}

func TestBaselineRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bench", "baseline-test.json")
	b := Baseline{Machine: "test", Commit: "abc", Date: "2026-12-04T06:00:00Z", Figures: Parse(strings.NewReader(sample))}
	if err := b.Save(path); err != nil {
		t.Fatal(err)
	}
	got, err := Load(path)
	if err != nil || !reflect.DeepEqual(*got, b) {
		t.Fatalf("Load = %+v, %v; want %+v", got, err, b)
	}
}
