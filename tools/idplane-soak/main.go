// Command idplane-soak runs a mixed load against a running idplane server
// for a long time and prints, every minute, the server's resident memory
// (from /proc/<pid>/status), its live Go heap and goroutines (from
// /metrics), the requests of each kind, their errors and their p99. A
// server whose caches are bounded keeps its live heap flat after the
// warm-up; the soak fails if it grows.
//
// The load: universal-auth logins spread over many identities (and a few
// failures with unknown client IDs, which feed the lockout and login
// caches), GET /api/v1/auth/token/self and GET of identities with the
// tokens obtained, and management writes (an identity created, updated and
// deleted; a client secret created and revoked), so the database stays the
// same size while every write path runs.
//
// It only ever targets the --host it is given (a loopback server in make soak).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/idplane/idplane/server/api"
)

func main() {
	host := flag.String("host", "http://127.0.0.1:8080", "idplane server URL (loopback only)")
	clientID := flag.String("client-id", os.Getenv("IDPLANE_CLIENT_ID"), "admin client ID")
	clientSecret := flag.String("client-secret", os.Getenv("IDPLANE_CLIENT_SECRET"), "admin client secret")
	pid := flag.Int("pid", 0, "process ID of the server, whose RSS is printed")
	duration := flag.Duration("d", 30*time.Minute, "how long to run")
	interval := flag.Duration("interval", time.Minute, "how often to print a line")
	concurrency := flag.Int("c", 16, "concurrent clients")
	identities := flag.Int("identities", 200, "identities logged in as, each with universal auth and a client secret")
	pprofURL := flag.String("pprof", "", "URL of the server's --pprof-listen, from which heap profiles are saved")
	profiles := flag.String("profiles", ".", "directory heap profiles are saved in: heap-warm.pb.gz after the warm-up, heap-end.pb.gz at the end")
	warmUp := flag.Duration("warm-up", 5*time.Minute, "time after which memory should stay flat")
	flag.Parse()
	if !strings.HasPrefix(*host, "http://127.") && !strings.HasPrefix(*host, "http://localhost") {
		fmt.Fprintln(os.Stderr, "idplane-soak only targets loopback servers")
		os.Exit(2)
	}
	if *pid == 0 {
		fmt.Fprintln(os.Stderr, "--pid is required: the soak exists to watch the server's memory")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, config{host: *host, clientID: *clientID, clientSecret: *clientSecret, pid: *pid,
		duration: *duration, interval: *interval, concurrency: *concurrency, identities: *identities,
		pprofURL: *pprofURL, profiles: *profiles, warmUp: *warmUp}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

type config struct {
	host, clientID, clientSecret string
	pid                          int
	duration, interval, warmUp   time.Duration
	concurrency, identities      int
	pprofURL, profiles           string
}

// The kinds of request, in the order the report prints them.
const (
	kindLogin = iota
	kindRead
	kindWrite
	kinds
)

var kindNames = [kinds]string{"login", "read", "write"}

// window collects one interval's requests.
type window struct {
	mu        sync.Mutex
	latencies [kinds][]time.Duration
	errors    [kinds]int
	refused   int // expected 401s of logins with unknown client IDs
}

func (w *window) add(kind int, d time.Duration, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.latencies[kind] = append(w.latencies[kind], d)
	if err != nil {
		w.errors[kind]++
	}
}

// take returns the window's figures and starts a new one.
func (w *window) take() (lat [kinds][]time.Duration, errs [kinds]int, refused int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	lat, errs, refused = w.latencies, w.errors, w.refused
	w.latencies, w.errors, w.refused = [kinds][]time.Duration{}, [kinds]int{}, 0
	return lat, errs, refused
}

// credential is one identity logged in as.
type credential struct{ identityID, clientID, clientSecret string }

func run(ctx context.Context, cfg config) error {
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: cfg.concurrency * 2}, Timeout: 30 * time.Second}
	noRetry := api.WithRetry(api.RetryPolicy{MaxAttempts: 1})
	admin, err := api.NewClient(cfg.host, api.WithHTTPClient(hc), api.WithUniversalAuth(cfg.clientID, cfg.clientSecret))
	if err != nil {
		return err
	}
	fmt.Printf("setting up %d identities with universal auth\n", cfg.identities)
	creds, err := setUp(ctx, admin, cfg.identities)
	if err != nil {
		return fmt.Errorf("set up: %w", err)
	}
	anonymous, err := api.NewClient(cfg.host, api.WithHTTPClient(hc), noRetry)
	if err != nil {
		return err
	}
	var win window
	var writes atomic.Int64
	ctx, cancel := context.WithTimeout(ctx, cfg.duration)
	defer cancel()
	var wg sync.WaitGroup
	for w := range cfg.concurrency {
		wg.Go(func() {
			worker(ctx, cfg, hc, anonymous, creds, w, &win, &writes)
		})
	}
	start := time.Now()
	windowStart := start
	tick := time.NewTicker(cfg.interval)
	defer tick.Stop()
	var prof *profiler
	if cfg.pprofURL != "" {
		prof = &profiler{hc: hc, url: cfg.pprofURL}
	}
	fmt.Printf("%6s %8s %9s %10s %8s", "minute", "RSS MiB", "live MiB", "goroutines", "refused")
	for _, k := range kindNames {
		fmt.Printf(" %8s %6s %8s", k+"/s", "errors", "p99 ms")
	}
	fmt.Println()
	var warm, last, peak memory
	var lives []int64 // live heap after the warm-up, a figure a line
	totalErrors := 0
	for done := false; !done; {
		select {
		case <-ctx.Done():
			done = true
		case <-tick.C:
		}
		if done && time.Since(windowStart) < time.Second {
			break
		}
		lat, errs, refused := win.take()
		m, err := measure(context.WithoutCancel(ctx), hc, cfg.host, cfg.pid)
		if err != nil {
			return fmt.Errorf("server memory: %w", err)
		}
		if warm.rss == 0 && time.Since(start) >= cfg.warmUp {
			warm = m
			if prof != nil {
				if err := prof.save(context.WithoutCancel(ctx), filepath.Join(cfg.profiles, "heap-warm.pb.gz")); err != nil {
					return fmt.Errorf("heap profile: %w", err)
				}
			}
		}
		last = m
		if warm.rss != 0 {
			lives = append(lives, m.live)
			peak = memory{rss: max(peak.rss, m.rss), live: max(peak.live, m.live), goroutines: max(peak.goroutines, m.goroutines)}
		}
		secs := time.Since(windowStart).Seconds()
		windowStart = time.Now()
		fmt.Printf("%6.1f %8d %9.1f %10d %8d", time.Since(start).Minutes(), m.rss/1024, float64(m.live)/1024, m.goroutines, refused)
		for k := range kinds {
			totalErrors += errs[k]
			fmt.Printf(" %8.0f %6d %8.1f", float64(len(lat[k]))/max(secs, 1), errs[k], p99(lat[k]).Seconds()*1000)
		}
		fmt.Println()
	}
	cancel()
	wg.Wait()
	if prof != nil {
		if err := prof.save(context.Background(), filepath.Join(cfg.profiles, "heap-end.pb.gz")); err != nil {
			return fmt.Errorf("heap profile: %w", err)
		}
	}
	fmt.Printf("%d management write cycles; %d errors\n", writes.Load(), totalErrors)
	if warm.rss == 0 {
		fmt.Printf("the run ended within the %s warm-up: nothing to say of memory\n", cfg.warmUp)
	} else {
		fmt.Printf("after the %s warm-up: RSS %d -> %d MiB (peak %d), live Go heap %.1f -> %.1f MiB (peak %.1f), goroutines %d -> %d (peak %d)\n",
			cfg.warmUp, warm.rss/1024, last.rss/1024, peak.rss/1024,
			float64(warm.live)/1024, float64(last.live)/1024, float64(peak.live)/1024, warm.goroutines, last.goroutines, peak.goroutines)
	}
	if totalErrors > 0 {
		return errors.New("requests failed during the soak")
	}
	if len(lives) >= 4 {
		q := len(lives) / 4
		early, late := mean(lives[:q]), mean(lives[len(lives)-q:])
		growth := (late - early) / early
		fmt.Printf("live Go heap, first vs last quarter after the warm-up: %.1f -> %.1f MiB (%+.0f%%)\n", early/1024, late/1024, growth*100)
		if growth > maxLiveGrowth {
			return fmt.Errorf("the live heap grew more than %.0f%% after the warm-up: something holds on to memory (see the heap profiles)", maxLiveGrowth*100)
		}
	}
	return nil
}

// maxLiveGrowth is the growth of the live heap after the warm-up taken for
// noise (requests and batches in flight at the last collection) rather
// than a leak.
const maxLiveGrowth = 0.3

func mean(xs []int64) float64 {
	var sum int64
	for _, x := range xs {
		sum += x
	}
	return float64(sum) / float64(len(xs))
}

// setUp creates n identities, each with universal auth and an unlimited
// client secret.
func setUp(ctx context.Context, admin *api.Client, n int) ([]credential, error) {
	suffix := strconv.FormatInt(time.Now().UnixNano(), 36)
	out := make([]credential, 0, n)
	for i := range n {
		ident, err := admin.CreateIdentity(ctx, api.IdentityInput{Name: fmt.Sprintf("soak-%s-%d", suffix, i), Role: "member"})
		if err != nil {
			return nil, err
		}
		ua, err := admin.PutUniversalAuth(ctx, ident.ID, 0, api.UniversalAuthInput{})
		if err != nil {
			return nil, err
		}
		cs, err := admin.CreateClientSecret(ctx, ident.ID, api.ClientSecretInput{Description: "soak"})
		if err != nil {
			return nil, err
		}
		out = append(out, credential{identityID: ident.ID, clientID: ua.ClientID, clientSecret: cs.ClientSecret})
	}
	return out, nil
}

// worker sends requests until ctx ends: per round, a login as a random
// identity (one in twenty with an unknown client ID, refused), reads with
// its token, and one round in ten a management write cycle as the admin
// identity of its own.
func worker(ctx context.Context, cfg config, hc *http.Client, anonymous *api.Client, creds []credential, n int, win *window, writes *atomic.Int64) {
	noRetry := api.WithRetry(api.RetryPolicy{MaxAttempts: 1})
	// Each worker manages through a client of its own, logged in once with
	// the admin's credentials and again whenever its token expires.
	admin, err := api.NewClient(cfg.host, api.WithHTTPClient(hc), noRetry, api.WithUniversalAuth(cfg.clientID, cfg.clientSecret))
	if err != nil {
		win.add(kindWrite, 0, err)
		return
	}
	for round := 0; ctx.Err() == nil; round++ {
		if rand.N(20) == 0 {
			start := time.Now()
			_, err := anonymous.Login(ctx, api.UniversalAuthLoginRequest{ClientID: "soak-unknown-" + strconv.Itoa(rand.N(1<<30)), ClientSecret: "x"})
			if api.IsStatus(err, http.StatusUnauthorized) {
				win.mu.Lock()
				win.refused++
				win.mu.Unlock()
				err = nil
			}
			record(ctx, win, kindLogin, start, err)
			continue
		}
		c := creds[rand.N(len(creds))]
		start := time.Now()
		res, err := anonymous.Login(ctx, api.UniversalAuthLoginRequest{ClientID: c.clientID, ClientSecret: c.clientSecret})
		record(ctx, win, kindLogin, start, err)
		if err != nil {
			continue
		}
		as, err := api.NewClient(cfg.host, api.WithHTTPClient(hc), noRetry, api.WithToken(res.AccessToken))
		if err != nil {
			record(ctx, win, kindRead, start, err)
			continue
		}
		for range 3 {
			start = time.Now()
			_, err = as.TokenSelf(ctx)
			record(ctx, win, kindRead, start, err)
		}
		start = time.Now()
		_, err = admin.GetIdentity(ctx, c.identityID)
		record(ctx, win, kindRead, start, err)
		if round%10 == n%10 {
			writeCycle(ctx, admin, c, n, round, win)
			writes.Add(1)
		}
	}
}

// writeCycle creates, updates and deletes an identity, and creates and
// revokes a client secret of c's identity.
func writeCycle(ctx context.Context, admin *api.Client, c credential, n, round int, win *window) {
	start := time.Now()
	ident, err := admin.CreateIdentity(ctx, api.IdentityInput{Name: fmt.Sprintf("soak-write-%d-%d", n, round), Role: "no-access",
		Metadata: map[string]string{"round": strconv.Itoa(round)}})
	record(ctx, win, kindWrite, start, err)
	if err != nil {
		return
	}
	start = time.Now()
	_, err = admin.UpdateIdentity(ctx, ident.ID, ident.Version, api.IdentityInput{Name: ident.Name, Role: "no-access", Description: "updated"})
	record(ctx, win, kindWrite, start, err)
	start = time.Now()
	err = admin.DeleteIdentity(ctx, ident.ID, 0)
	record(ctx, win, kindWrite, start, err)
	start = time.Now()
	cs, err := admin.CreateClientSecret(ctx, c.identityID, api.ClientSecretInput{Description: "soak rotation", NumUsesLimit: 1})
	record(ctx, win, kindWrite, start, err)
	if err != nil {
		return
	}
	start = time.Now()
	err = admin.RevokeClientSecret(ctx, c.identityID, cs.ClientSecretData.ID)
	record(ctx, win, kindWrite, start, err)
}

// record adds a request to the window, unless the soak was ending: a
// request cut by the end of the run is no error.
func record(ctx context.Context, win *window, kind int, start time.Time, err error) {
	if err != nil && ctx.Err() != nil {
		return
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s %s: %v\n", time.Now().Format(time.TimeOnly), kindNames[kind], err)
	}
	win.add(kind, time.Since(start), err)
}

func p99(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	return d[(len(d)*99)/100]
}
