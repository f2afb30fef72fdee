// Command idplane-load measures a running idplane server: universal-auth
// logins per second (good ones, and refusals of a wrong secret and of an
// unknown client ID), authenticated GET /api/v1/auth/token/self and a
// workload's secret reads (GET /api/v3/secrets/raw/{key}) per second,
// and OIDC logins per second (RS256 and ES256 ID tokens, keys cached), at a
// fixed number of concurrent keep-alive clients, with p50/p99.
//
// For the OIDC phases it starts its own identity provider in-process
// (server/idptest, TLS on loopback with its own CA), attaches OIDC auth to a
// new identity with that CA as oidc_ca_certificate, and counts the IdP's
// JWKS fetches: the server must be started with --allow-internal-outbound.
// The kubernetes and aws phases likewise start a fake API server and a fake
// STS in-process (server/platformtest, serving with Go's httptest
// certificate, which --write-tls writes out for the server's
// --outbound-ca-file), and print each fake's own time per request beside
// the logins. The cert phase logs in with a client certificate over the
// TLS listener of --tls-host (`idplane serve --tls-client-certs request`).
//
// It only ever targets the --host it is given (a loopback server in make bench).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/idplane/idplane/server/api"
)

func main() {
	host := flag.String("host", "http://127.0.0.1:8080", "idplane server URL (loopback only)")
	clientID := flag.String("client-id", os.Getenv("IDPLANE_CLIENT_ID"), "client ID with an unlimited client secret")
	clientSecret := flag.String("client-secret", os.Getenv("IDPLANE_CLIENT_SECRET"), "client secret")
	concurrency := flag.Int("c", 32, "concurrent keep-alive clients")
	duration := flag.Duration("d", 10*time.Second, "duration of each phase")
	warmup := flag.Duration("warmup", 2*time.Second, "how long each phase runs, unmeasured, before its measured run (the first phase otherwise measures a server just started)")
	phaseList := flag.String("phases", "login,self,oidc", "phases to run, comma-separated: healthz (GET /healthz: no authentication and no work, what HTTP alone reaches on this machine), login (universal auth), wrong-secret, unknown-client (refused universal-auth logins), "+
		"self (token/self), oidc (OIDC logins, RS256 and ES256), kubernetes, aws (against in-process fakes), cert (client certificates over --tls-host), check (POST /api/v1/authz/check), secret (a workload reading a secret, GET /api/v3/secrets/raw/{key})")
	tlsHost := flag.String("tls-host", "", "https:// URL of a server started with --tls-client-certs request, for the cert phase (loopback only)")
	caFile := flag.String("ca-file", "", "PEM CA of --tls-host's certificate")
	writeTLSDir := flag.String("write-tls", "", "write the fakes' TLS certificate and key (tls.pem, tls-key.pem) to this directory and exit")
	flag.Parse()
	if *writeTLSDir != "" {
		if err := writeTLS(*writeTLSDir); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	phases := map[string]bool{}
	for _, p := range strings.Split(*phaseList, ",") {
		switch p = strings.TrimSpace(p); p {
		case "healthz", "login", "wrong-secret", "unknown-client", "self", "oidc", "kubernetes", "aws", "cert", "check", "secret":
			phases[p] = true
		default:
			fmt.Fprintf(os.Stderr, "unknown phase %q (healthz, login, wrong-secret, unknown-client, self, oidc, kubernetes, aws, cert, check, secret)\n", p)
			os.Exit(2)
		}
	}
	if phases["cert"] && !strings.HasPrefix(*tlsHost, "https://127.") {
		fmt.Fprintln(os.Stderr, "the cert phase needs --tls-host https://127.x.x.x:port")
		os.Exit(2)
	}
	if !strings.HasPrefix(*host, "http://127.") && !strings.HasPrefix(*host, "http://localhost") && !strings.HasPrefix(*host, "https://127.") {
		fmt.Fprintln(os.Stderr, "idplane-load only targets loopback servers")
		os.Exit(2)
	}
	tr := &http.Transport{MaxIdleConns: *concurrency * 2, MaxIdleConnsPerHost: *concurrency * 2, IdleConnTimeout: time.Minute}
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	lc, err := newLoadClient(*host, *concurrency, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	login, _ := json.Marshal(api.UniversalAuthLoginRequest{ClientID: *clientID, ClientSecret: *clientSecret})
	loginReq := lc.phaseOf(call{method: http.MethodPost, path: api.RouteUniversalAuthLogin.Path, body: login,
		status: http.StatusOK, want: []byte(`"accessToken":"`)})
	anon, err := api.NewClient(*host, api.WithHTTPClient(hc))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	first, err := anon.Login(context.Background(), api.UniversalAuthLoginRequest{ClientID: *clientID, ClientSecret: *clientSecret})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	token := first.AccessToken
	bearer := "Bearer " + token
	selfReq := lc.phaseOf(call{method: http.MethodGet, path: api.RouteTokenSelf.Path, bearer: bearer, status: http.StatusOK})
	type phase struct {
		name string
		fn   func() error
	}
	var todo []phase
	if phases["healthz"] {
		todo = append(todo, phase{"GET /healthz", lc.phaseOf(call{method: http.MethodGet, path: api.RouteHealthz.Path,
			status: http.StatusOK, want: []byte(`"ok"`)})})
	}
	if phases["login"] {
		todo = append(todo, phase{"universal-auth login", loginReq})
	}
	if phases["wrong-secret"] || phases["unknown-client"] {
		refused, err := startRefused(context.Background(), *host, hc, lc, *clientID, *clientSecret)
		if err != nil {
			fmt.Fprintln(os.Stderr, "refused-login setup:", err)
			os.Exit(1)
		}
		if phases["wrong-secret"] {
			todo = append(todo, phase{"universal-auth wrong secret", refused.wrongSecret})
		}
		if phases["unknown-client"] {
			todo = append(todo, phase{"universal-auth unknown client", refused.unknownClient})
		}
	}
	if phases["self"] {
		todo = append(todo, phase{"GET /api/v1/auth/token/self", selfReq})
	}
	if phases["check"] {
		admin, err := api.NewClient(*host, api.WithHTTPClient(hc), api.WithToken(token))
		if err == nil {
			var checkReq func() error
			if checkReq, err = startCheck(context.Background(), admin, lc, bearer); err == nil {
				todo = append(todo, phase{"POST /api/v1/authz/check", checkReq})
			}
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "check setup:", err)
			os.Exit(1)
		}
	}
	if phases["secret"] {
		admin, err := api.NewClient(*host, api.WithHTTPClient(hc), api.WithToken(token))
		if err == nil {
			var readReq func() error
			if readReq, err = startSecretRead(context.Background(), admin, *host, hc, lc); err == nil {
				todo = append(todo, phase{"GET /api/v3/secrets/raw/{key}", readReq})
			}
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "secret setup:", err)
			os.Exit(1)
		}
	}
	var idp *oidcProvider
	if phases["oidc"] {
		var err error
		if idp, err = startOIDC(*host, hc, lc, *clientID, *clientSecret); err != nil {
			fmt.Fprintln(os.Stderr, "oidc setup:", err)
			os.Exit(1)
		}
		defer idp.close()
		for _, alg := range oidcAlgorithms {
			todo = append(todo, phase{"OIDC login " + string(alg), idp.loginReq(lc, alg)})
		}
	}
	var platforms []platformBench
	if phases["kubernetes"] || phases["aws"] || phases["cert"] {
		tb := &processTB{}
		defer tb.close()
		admin, err := api.NewClient(*host, api.WithHTTPClient(hc), api.WithUniversalAuth(*clientID, *clientSecret))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		ctx := context.Background()
		for _, start := range []struct {
			phase string
			fn    func() ([]platformBench, error)
		}{
			{"kubernetes", func() ([]platformBench, error) {
				b, err := startKubernetes(ctx, tb, admin, lc)
				return []platformBench{b}, err
			}},
			{"aws", func() ([]platformBench, error) {
				b, err := startAWS(ctx, tb, admin, lc)
				return []platformBench{b}, err
			}},
			{"cert", func() ([]platformBench, error) { return startCert(ctx, tb, admin, *tlsHost, *caFile, *concurrency) }},
		} {
			if !phases[start.phase] {
				continue
			}
			bs, err := start.fn()
			if err != nil {
				fmt.Fprintf(os.Stderr, "%s setup: %v\n", start.phase, err)
				os.Exit(1)
			}
			platforms = append(platforms, bs...)
		}
	}
	for _, b := range platforms {
		todo = append(todo, phase{b.name, b.login})
	}
	failed := false
	for _, phase := range todo {
		if *warmup > 0 {
			run(phase.fn, *concurrency, *warmup)
		}
		r := run(phase.fn, *concurrency, *duration)
		fmt.Printf("%-30s %8.0f req/s  p50 %6.2f ms  p99 %6.2f ms  requests %d  errors %d\n",
			phase.name, r.rate, ms(r.p50), ms(r.p99), r.n, r.errors)
		if r.errors > 0 {
			fmt.Fprintf(os.Stderr, "  first error: %v\n", r.firstErr)
			failed = true
		}
	}
	for _, b := range platforms {
		if b.fakeCost == nil {
			continue
		}
		d, err := b.fakeCost()
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s fake: %v\n", b.name, err)
			failed = true
			continue
		}
		fmt.Printf("%-30s the fake alone: %.3f ms per request (sequential, warm connection, this process)\n", b.name, ms(d))
	}
	if idp != nil && !idp.report() {
		failed = true
	}
	if failed {
		os.Exit(1)
	}
}

type result struct {
	n, errors int
	rate      float64
	p50, p99  time.Duration
	firstErr  error
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func run(fn func() error, workers int, d time.Duration) result {
	var (
		mu        sync.Mutex
		latencies []time.Duration
		res       result
		wg        sync.WaitGroup
	)
	start := time.Now()
	end := start.Add(d)
	for range workers {
		wg.Go(func() {
			var local []time.Duration
			var errs int
			var first error
			for t := time.Now(); t.Before(end); t = time.Now() {
				if err := fn(); err != nil {
					errs++
					if first == nil {
						first = err
					}
					continue
				}
				local = append(local, time.Since(t))
			}
			mu.Lock()
			latencies = append(latencies, local...)
			res.errors += errs
			if res.firstErr == nil {
				res.firstErr = first
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(latencies)
	res.n = len(latencies)
	res.rate = float64(res.n) / elapsed.Seconds()
	if res.n > 0 {
		res.p50 = latencies[res.n/2]
		res.p99 = latencies[min(res.n-1, res.n*99/100)]
	}
	return res
}
