#!/usr/bin/env bash
# A private PostgreSQL cluster on 127.0.0.1 for tests and benchmarks.
#   scripts/postgres.sh start DIR PORT   -> prints the DATABASE_URL
#   scripts/postgres.sh stop DIR
# Tests trade durability for speed (fsync off); AURIC_PG_DURABLE=1 keeps PostgreSQL's defaults, so
# that benchmarks pay for every commit reaching the disk as production does.
set -euo pipefail
action="$1"; dir="$2"; port="${3:-54329}"
bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "$action" in
  start)
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      as_postgres "$bin/initdb" -D "$dir/data" --auth=trust -U auric -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    [ "${AURIC_PG_DURABLE:-0}" = 1 ] && durability=""
    as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
      -o "-h 127.0.0.1 -p $port -k $dir $durability -c max_connections=200" start >/dev/null
    as_postgres "$bin/createdb" -h 127.0.0.1 -p "$port" -U auric auric 2>/dev/null || true
    as_postgres "$bin/createdb" -h 127.0.0.1 -p "$port" -U auric auric_vault 2>/dev/null || true
    echo "postgres://auric@127.0.0.1:$port/auric"
    ;;
  stop)
    [ -f "$dir/data/postmaster.pid" ] && as_postgres "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    ;;
  *) echo "usage: $0 start|stop DIR [PORT]" >&2; exit 2 ;;
esac
