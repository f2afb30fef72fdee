#!/usr/bin/env bash
# make bench, HTTP part: a throwaway PostgreSQL cluster, `idplane serve` on it,
# and idplane-load on the same machine (loopback only), then the server's RSS.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d /tmp/idplane-bench.XXXXXX)"
chmod 755 "$work"
server_pid=""
tls_pid=""
. "$repo/scripts/postgres.sh"
cleanup() {
	if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
	if [ -n "$tls_pid" ]; then kill "$tls_pid" 2>/dev/null || true; wait "$tls_pid" 2>/dev/null || true; fi
	stop_postgres
	rm -rf "$work"
}
trap cleanup EXIT

go build -o "$repo/bin/idplane" "$repo/server"
go build -o "$repo/bin/idplane-load" "$repo/tools/idplane-load"

start_postgres "-c shared_buffers=256MB"
bootstrap "$repo/bin/idplane" bench

# The load tool's fakes (a Kubernetes API server, STS) serve with Go's
# httptest certificate: the server trusts it for outbound calls, and the
# TLS listener of the cert phase serves with it.
"$repo/bin/idplane-load" --write-tls "$work"

port="$(free_port)"
"$repo/bin/idplane" serve --listen "127.0.0.1:$port" --database-url "$db" --master-key-file "$work/idplane.key" \
	--login-rate 0 --log-level error --allow-internal-outbound --outbound-ca-file "$work/tls.pem" > "$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 50); do curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.2; done

# BENCH_PHASES picks the phases: healthz (no authentication, no work: the
# ceiling HTTP and the load generator set on this machine, against which
# the others read; it moves with the machine, they should move with it),
# login, wrong-secret, unknown-client (universal-auth logins, good and
# refused), self, check (authz decisions), secret (a workload reading a
# secret, audited), oidc, kubernetes, aws (the
# load tool's, the last three against its own in-process IdP, API server
# and STS on loopback, hence --allow-internal-outbound above), cert (client
# certificates over a second replica's TLS listener) and plan
# (scripts/bench-plan.sh).
phases="${BENCH_PHASES:-healthz,login,wrong-secret,unknown-client,self,check,secret,oidc,kubernetes,aws,cert,plan}"
has_phase() { case ",$phases," in *",$1,"*) return 0 ;; esac; return 1; }
load_phases="$(printf '%s' "$phases" | tr ',' '\n' | grep -vx plan | paste -sd, - || true)"

tls_args=()
if has_phase cert; then
	tls_port="$(free_port)"
	"$repo/bin/idplane" serve --listen "127.0.0.1:$tls_port" --database-url "$db" --master-key-file "$work/idplane.key" \
		--tls-cert "$work/tls.pem" --tls-key "$work/tls-key.pem" --tls-client-certs request \
		--login-rate 0 --log-level error > "$work/server-tls.log" 2>&1 &
	tls_pid=$!
	for _ in $(seq 1 50); do curl -fsS --cacert "$work/tls.pem" "https://127.0.0.1:$tls_port/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
	tls_args=(--tls-host "https://127.0.0.1:$tls_port" --ca-file "$work/tls.pem")
fi

echo "idplane on PostgreSQL, load generator on the same $(nproc) cores, 32 keep-alive clients:"
if [ -n "$load_phases" ]; then
	"$repo/bin/idplane-load" --host "http://127.0.0.1:$port" --client-id "$id" --client-secret "$secret" -c 32 -d "${BENCH_SECONDS:-10}s" --phases "$load_phases" "${tls_args[@]}"
fi
# Every durable write of the phases above waited for a group commit: how
# long one took tells a run slowed by the disk from one slowed by the CPU.
curl -fsS "http://127.0.0.1:$port/metrics" | awk '
	/^idplane_group_commit_requests_sum / {r = $2}
	/^idplane_group_commit_requests_count / {n = $2}
	/^idplane_group_commit_duration_seconds_sum / {s = $2}
	END {if (n > 0) printf "group commits: %d, %.1f requests and %.2f ms each on average\n", n, r / n, 1000 * s / n}'
rss="$(awk '/VmRSS/ {print $2}' /proc/$server_pid/status)"
hwm="$(awk '/VmHWM/ {print $2}' /proc/$server_pid/status)"
printf 'server RSS now %d MiB, peak %d MiB\n' $((rss / 1024)) $((hwm / 1024))
for action in login.universal-auth login.oidc-auth login.kubernetes-auth login.aws-auth login.tls-cert-auth secret.read; do
	audited="$(psql_value "SELECT count(*) FROM audit_events WHERE action = '$action' AND outcome = 'success'")"
	echo "$action audit events durably written: $audited"
done

if has_phase plan; then
	"$repo/scripts/bench-plan.sh" "http://127.0.0.1:$port" "$id" "$secret" "${BENCH_IDENTITIES:-1000}"
fi
