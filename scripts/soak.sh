#!/usr/bin/env bash
# make soak: a throwaway PostgreSQL cluster, `idplane serve` on it, and
# idplane-soak's mixed load (logins, token reads, management writes) for
# SOAK_DURATION (default 30m), printing the server's RSS and Go heap,
# requests, errors and p99 every minute, then what the live heap gained
# after the warm-up (SOAK_WARMUP, default 5m), by allocation site. Heap
# profiles are kept in SOAK_PROFILES when it is set. The load revokes 30 to 70
# times a second (each write cycle deletes an identity and revokes a client
# secret), which would take hours to fill the default revocation cache, so
# the server holds SOAK_REVOCATION_CACHE (default 10,000) revocations: the
# bound is reached within the warm-up and every cache is at its bound while
# memory is watched. Loopback only.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d /tmp/idplane-soak.XXXXXX)"
chmod 755 "$work"
server_pid=""
. "$repo/scripts/postgres.sh"
cleanup() {
	if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
	stop_postgres
	rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/idplane" "$repo/server"
go build -o "$work/idplane-soak" "$repo/tools/idplane-soak"

start_postgres
bootstrap "$work/idplane" soak

port="$(free_port)"
pprof_port="$(free_port)"
"$work/idplane" serve --listen "127.0.0.1:$port" --database-url "$db" --master-key-file "$work/idplane.key" \
	--login-rate 0 --log-level error --revocation-cache-entries "${SOAK_REVOCATION_CACHE:-10000}" --pprof-listen "127.0.0.1:$pprof_port" > "$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 50); do curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.2; done

echo "idplane on PostgreSQL (revocation cache ${SOAK_REVOCATION_CACHE:-10000} entries), soak load for ${SOAK_DURATION:-30m} on the same $(nproc) cores:"
status=0
profiles="${SOAK_PROFILES:-$work}"
mkdir -p "$profiles"
"$work/idplane-soak" --host "http://127.0.0.1:$port" --client-id "$id" --client-secret "$secret" --pid "$server_pid" \
	--pprof "http://127.0.0.1:$pprof_port" --profiles "$profiles" --warm-up "${SOAK_WARMUP:-5m}" \
	--interval "${SOAK_INTERVAL:-1m}" -d "${SOAK_DURATION:-30m}" || status=$?
if [ -f "$profiles/heap-warm.pb.gz" ] && [ -f "$profiles/heap-end.pb.gz" ]; then
	echo "live heap gained after the warm-up, by allocation site:"
	go tool pprof -sample_index=inuse_space -top -nodecount=15 -diff_base "$profiles/heap-warm.pb.gz" \
		"$work/idplane" "$profiles/heap-end.pb.gz" 2>/dev/null | sed -n '/flat%/,$p'
fi
rows="$(psql_value \
	"SELECT (SELECT count(*) FROM identities) || ' identities, ' || (SELECT count(*) FROM access_tokens) || ' access tokens, ' || (SELECT count(*) FROM audit_events) || ' audit events'")"
echo "database at the end: $rows"
if grep -q '"level":"ERROR"' "$work/server.log"; then
	echo "server logged errors:"; grep '"level":"ERROR"' "$work/server.log" | head -20
	status=1
fi
exit "$status"
