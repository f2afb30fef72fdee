#!/usr/bin/env bash
# make bench, HTTP part: a throwaway PostgreSQL cluster, `idplane serve` on it,
# and idplane-load on the same machine (loopback only), then the server's RSS.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
pgbin="$(dirname "$(ls /usr/lib/postgresql/*/bin/pg_ctl | sort -V | tail -1)")"
work="$(mktemp -d /tmp/idplane-bench.XXXXXX)"
chmod 755 "$work"
server_pid=""
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
	if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
	as_pg "$pgbin/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

go build -o "$repo/bin/idplane" "$repo/server"
go build -o "$repo/bin/idplane-load" "$repo/tools/idplane-load"

pgport="$(free_port)"
mkdir -p "$work/pg" && [ "$(id -u)" = 0 ] && chown postgres "$work/pg"
as_pg "$pgbin/initdb" -D "$work/pg" -U postgres --auth=trust --no-sync >/dev/null
as_pg "$pgbin/pg_ctl" -D "$work/pg" -w -l "$work/pg/log" \
	-o "-p $pgport -c listen_addresses=127.0.0.1 -c unix_socket_directories=$work/pg -c max_connections=200 -c shared_buffers=256MB" start >/dev/null
db="postgres://postgres@127.0.0.1:$pgport/postgres?sslmode=disable"

"$repo/bin/idplane" migrate --database-url "$db" >/dev/null
boot="$("$repo/bin/idplane" bootstrap --database-url "$db" --master-key-file "$work/idplane.key" --organization bench --output json)"
id="$(printf '%s' "$boot" | python3 -c 'import json,sys; print(json.load(sys.stdin)["clientId"])')"
secret="$(printf '%s' "$boot" | python3 -c 'import json,sys; print(json.load(sys.stdin)["clientSecret"])')"

port="$(free_port)"
"$repo/bin/idplane" serve --listen "127.0.0.1:$port" --database-url "$db" --master-key-file "$work/idplane.key" \
	--login-rate 0 --log-level error --allow-internal-outbound > "$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 50); do curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.2; done

# BENCH_PHASES picks the phases: login, self, oidc (the load tool's, the
# OIDC ones against its own in-process IdP on loopback, hence
# --allow-internal-outbound above) and plan (scripts/bench-plan.sh).
phases="${BENCH_PHASES:-login,self,oidc,plan}"
has_phase() { case ",$phases," in *",$1,"*) return 0 ;; esac; return 1; }
load_phases="$(printf '%s' "$phases" | tr ',' '\n' | grep -vx plan | paste -sd, - || true)"

echo "idplane on PostgreSQL, load generator on the same $(nproc) cores, 32 keep-alive clients:"
if [ -n "$load_phases" ]; then
	"$repo/bin/idplane-load" --host "http://127.0.0.1:$port" --client-id "$id" --client-secret "$secret" -c 32 -d "${BENCH_SECONDS:-10}s" --phases "$load_phases"
fi
rss="$(awk '/VmRSS/ {print $2}' /proc/$server_pid/status)"
hwm="$(awk '/VmHWM/ {print $2}' /proc/$server_pid/status)"
printf 'server RSS now %d MiB, peak %d MiB\n' $((rss / 1024)) $((hwm / 1024))
for action in login.universal-auth login.oidc-auth; do
	audited="$(as_pg "$pgbin/psql" -h "$work/pg" -p "$pgport" -U postgres -tAc "SELECT count(*) FROM audit_events WHERE action = '$action' AND outcome = 'success'")"
	echo "$action audit events durably written: $audited"
done

if has_phase plan; then
	"$repo/scripts/bench-plan.sh" "http://127.0.0.1:$port" "$id" "$secret" "${BENCH_IDENTITIES:-1000}"
fi
