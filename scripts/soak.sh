#!/usr/bin/env bash
# make soak: a throwaway PostgreSQL cluster, `idplane serve` on it, and
# idplane-soak's mixed load (logins, token reads, management writes) for
# SOAK_DURATION (default 30m), printing the server's RSS, requests, errors
# and p99 every minute. Loopback only.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
pgbin="$(dirname "$(ls /usr/lib/postgresql/*/bin/pg_ctl | sort -V | tail -1)")"
work="$(mktemp -d /tmp/idplane-soak.XXXXXX)"
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

go build -o "$work/idplane" "$repo/server"
go build -o "$work/idplane-soak" "$repo/tools/idplane-soak"

pgport="$(free_port)"
mkdir -p "$work/pg" && [ "$(id -u)" = 0 ] && chown postgres "$work/pg"
as_pg "$pgbin/initdb" -D "$work/pg" -U postgres --auth=trust --no-sync >/dev/null
as_pg "$pgbin/pg_ctl" -D "$work/pg" -w -l "$work/pg/log" \
	-o "-p $pgport -c listen_addresses=127.0.0.1 -c unix_socket_directories=$work/pg -c max_connections=200" start >/dev/null
db="postgres://postgres@127.0.0.1:$pgport/postgres?sslmode=disable"

"$work/idplane" migrate --database-url "$db" >/dev/null
boot="$("$work/idplane" bootstrap --database-url "$db" --master-key-file "$work/idplane.key" --organization soak --output json)"
id="$(printf '%s' "$boot" | python3 -c 'import json,sys; print(json.load(sys.stdin)["clientId"])')"
secret="$(printf '%s' "$boot" | python3 -c 'import json,sys; print(json.load(sys.stdin)["clientSecret"])')"

port="$(free_port)"
"$work/idplane" serve --listen "127.0.0.1:$port" --database-url "$db" --master-key-file "$work/idplane.key" \
	--login-rate 0 --log-level error > "$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 50); do curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.2; done

echo "idplane on PostgreSQL, soak load for ${SOAK_DURATION:-30m} on the same $(nproc) cores:"
status=0
"$work/idplane-soak" --host "http://127.0.0.1:$port" --client-id "$id" --client-secret "$secret" --pid "$server_pid" \
	-d "${SOAK_DURATION:-30m}" || status=$?
rows="$(as_pg "$pgbin/psql" -h "$work/pg" -p "$pgport" -U postgres -tAc \
	"SELECT (SELECT count(*) FROM identities) || ' identities, ' || (SELECT count(*) FROM access_tokens) || ' access tokens, ' || (SELECT count(*) FROM audit_events) || ' audit events'")"
echo "database at the end: $rows"
if grep -q '"level":"ERROR"' "$work/server.log"; then
	echo "server logged errors:"; grep '"level":"ERROR"' "$work/server.log" | head -20
	status=1
fi
exit "$status"
