# Sourced by bench.sh and soak.sh, which set $work: a throwaway PostgreSQL
# cluster in $work/pg on a free loopback port, and the first organization's
# admin on it.
pgbin="$(dirname "$(ls /usr/lib/postgresql/*/bin/pg_ctl | sort -V | tail -1)")"

# PostgreSQL refuses to run as root.
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_postgres [SETTINGS]: initdb and start the cluster with -c SETTINGS
# added; sets pgport and db (its URL).
start_postgres() {
	pgport="$(free_port)"
	mkdir -p "$work/pg" && [ "$(id -u)" = 0 ] && chown postgres "$work/pg"
	as_pg "$pgbin/initdb" -D "$work/pg" -U postgres --auth=trust --no-sync >/dev/null
	as_pg "$pgbin/pg_ctl" -D "$work/pg" -w -l "$work/pg/log" \
		-o "-p $pgport -c listen_addresses=127.0.0.1 -c unix_socket_directories=$work/pg -c max_connections=200 ${1:-}" start >/dev/null
	db="postgres://postgres@127.0.0.1:$pgport/postgres?sslmode=disable"
}

stop_postgres() { as_pg "$pgbin/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true; }

# psql_value SQL: the single value SQL selects.
psql_value() { as_pg "$pgbin/psql" -h "$work/pg" -p "$pgport" -U postgres -tAc "$1"; }

# bootstrap IDPLANE ORGANIZATION: migrate $db and bootstrap the organization
# with its master key in $work/idplane.key; sets id and secret (the admin's
# client ID and secret).
bootstrap() {
	"$1" migrate --database-url "$db" >/dev/null
	local boot
	boot="$("$1" bootstrap --database-url "$db" --master-key-file "$work/idplane.key" --organization "$2" --output json)"
	id="$(printf '%s' "$boot" | python3 -c 'import json,sys; print(json.load(sys.stdin)["clientId"])')"
	secret="$(printf '%s' "$boot" | python3 -c 'import json,sys; print(json.load(sys.stdin)["clientSecret"])')"
}
