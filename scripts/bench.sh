#!/usr/bin/env bash
# `make bench`: the scaled demo catalog on a private PostgreSQL, gunicorn on 127.0.0.1, locust
# (headless, one process per scenario), then docs/BENCHMARKS.md and docs/benchmarks.svg.
# Loopback only; every server it starts is stopped on exit. Knobs (environment):
#   AURIC_BENCH_SCALE (50 → 10k styles), AURIC_BENCH_USERS (20), AURIC_BENCH_DURATION (30s),
#   AURIC_BENCH_WORKERS (2 × cores), AURIC_BENCH_SCENARIOS ("bare home listing search product product_cold checkout provenance"),
#   AURIC_BENCH_ORDER_RATE (16 orders/s: the target load), AURIC_BENCH_LIGHT_RATE (8 in all: the vault's
#   price, side by side with a server without it), AURIC_BENCH_VAULT_DURATION (60s),
#   AURIC_BENCH_FRESH=1 (rebuild the catalog kept in /tmp/auric-bench-pg between runs, from an empty cluster;
#   done by itself when earlier runs bought too many of its pieces).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/venv.sh dev
scripts/system-packages.sh
# Production shares one cache between web processes; so does the benchmark (Redis on loopback).
if ! command -v redis-server >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends redis-server >/dev/null
fi

scale="${AURIC_BENCH_SCALE:-50}"
users="${AURIC_BENCH_USERS:-20}"
order_rate="${AURIC_BENCH_ORDER_RATE:-16}"  # the paced checkout at the target load: orders a second
light_rate="${AURIC_BENCH_LIGHT_RATE:-8}"   # the paced checkouts that price the vault
duration="${AURIC_BENCH_DURATION:-30s}"
cores="$(nproc)"
workers="${AURIC_BENCH_WORKERS:-$((2 * cores))}"
# checkout runs last: it buys pieces, which changes what the catalog pages show.
scenarios="${AURIC_BENCH_SCENARIOS:-bare home listing search product product_cold checkout provenance}"
pgdir="${AURIC_BENCH_PGDIR:-/tmp/auric-bench-pg}"
pgport="${AURIC_BENCH_PG_PORT:-54340}"
http_port="${AURIC_BENCH_HTTP_PORT:-8765}"
redis_port="${AURIC_BENCH_REDIS_PORT:-56379}"
out="${AURIC_BENCH_OUT:-/tmp/auric-bench-results}"
host="http://127.0.0.1:$http_port"
py=.venv/bin/python

# The catalog (database and media) is kept between runs under /tmp, so it is built once.
export AURIC_VAR_DIR="${AURIC_BENCH_VAR_DIR:-/tmp/auric-bench-var}"
export AURIC_BENCH_VIEWS=1 AURIC_SECURE_COOKIES=0 AURIC_DEBUG=0 AURIC_LOG_LEVEL=WARNING
export OPENBLAS_NUM_THREADS=1
# As in production: web workers only accept provenance statements; one `sequence_log --loop`
# integrates them (a checkpoint a second at most), started below beside gunicorn.
export AURIC_PROVENANCE_SEQUENCE_ON_COMMIT=0
# The load comes from one address, so the per-client rate limits would measure themselves.
export AURIC_RATE_LIMITS=0
# locust plays the payment provider too: it signs the sandbox callbacks with this run's secret.
AURIC_SANDBOX_PAYMENTS=1 AURIC_SANDBOX_PAYMENTS_SECRET="$(head -c 32 /dev/urandom | base64)"
export AURIC_SANDBOX_PAYMENTS AURIC_SANDBOX_PAYMENTS_SECRET
mkdir -p "$AURIC_VAR_DIR" "$out"
rm -f "$out"/*.csv

gunicorn_pid=""
stop_gunicorn() {
  if [ -n "$gunicorn_pid" ] && kill -0 "$gunicorn_pid" 2>/dev/null; then
    kill -TERM "$gunicorn_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$gunicorn_pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$gunicorn_pid" 2>/dev/null || true
  fi
  gunicorn_pid=""
}
plain_pid=""  # the second server, without the vault (below)
stop_plain_gunicorn() {
  [ -n "$plain_pid" ] && kill -TERM "$plain_pid" 2>/dev/null && wait "$plain_pid" 2>/dev/null || true
  plain_pid=""
}
sequencer_pid=""
cleanup() {
  [ -n "$sequencer_pid" ] && kill "$sequencer_pid" 2>/dev/null || true
  stop_gunicorn
  stop_plain_gunicorn
  scripts/postgres.sh stop "$pgdir" || true
  [ -f "$out/redis.pid" ] && kill "$(cat "$out/redis.pid")" 2>/dev/null || true
}
trap cleanup EXIT INT TERM

loadavg="$(cut -d' ' -f1-3 /proc/loadavg)"
scripts/postgres.sh stop "$pgdir"  # a cluster left running by an interrupted run
# A rebuilt catalog starts from an empty cluster: earlier runs' orders hold on to its pieces.
[ "${AURIC_BENCH_FRESH:-0}" = 1 ] && rm -rf "$pgdir"
start_database() {
  DATABASE_URL="$(AURIC_PG_DURABLE=1 scripts/postgres.sh start "$pgdir" "$pgport")"
  export DATABASE_URL
}
start_database
pg_version="$(psql "$DATABASE_URL" -Atc 'show server_version' 2>/dev/null || echo '?')"

load_catalog() {
  echo "== migrate and load the catalog (scale $scale)"
  $py manage.py migrate --noinput -v 0
  $py manage.py migrate --database vault --noinput -v 0
  timeout 1800 $py manage.py load_demo_data --scale "$scale"
  psql "$DATABASE_URL" -qc 'VACUUM ANALYZE' >/dev/null 2>&1 || true
}
load_catalog
$py manage.py collectstatic --noinput -v 0
targets() { $py manage.py bench_targets --out "$out/targets.json" --shoppers "${AURIC_BENCH_SHOPPERS:-4000}"; }
if ! targets; then  # earlier runs bought most of the kept catalog's pieces
  echo "== the kept catalog is sold out: a fresh cluster and catalog"
  scripts/postgres.sh stop "$pgdir"
  rm -rf "$pgdir"
  start_database
  load_catalog
  targets
fi

redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no --daemonize yes \
  --pidfile "$out/redis.pid" --logfile "$out/redis.log"
export REDIS_URL="redis://127.0.0.1:$redis_port/0"

serve() {  # port, log file, then extra environment assignments; leaves the server's pid in $served_pid
  local port="$1" log="$2"
  shift 2
  echo "== gunicorn: $workers workers on http://127.0.0.1:$port (cache: Redis) $*"
  env "$@" .venv/bin/gunicorn auric.wsgi:application --bind "127.0.0.1:$port" --workers "$workers" \
    --log-level warning --error-logfile "$log" &
  served_pid=$!
  for _ in $(seq 150); do
    curl -fs -o /dev/null "http://127.0.0.1:$port/healthz" && break
    kill -0 "$served_pid" 2>/dev/null || { echo "gunicorn died; see $log"; exit 1; }
    sleep 0.2
  done
  curl -fs -o /dev/null "http://127.0.0.1:$port/bench/bare" || { echo "The bare view is not served (AURIC_BENCH_VIEWS)"; exit 1; }
}
start_gunicorn() {  # extra environment assignments for the web processes, e.g. AURIC_PRIVACY_BACKEND=…
  stop_gunicorn
  serve "$http_port" "$out/gunicorn.log" "$@"
  gunicorn_pid="$served_pid"
}
start_gunicorn
$py manage.py sequence_log --loop --interval 1 >"$out/sequencer.log" 2>&1 &
sequencer_pid=$!

# The vault is priced side by side: a second server without it, on the next port, at the same time.
plain_port=$((http_port + 1))
plain_host="http://127.0.0.1:$plain_port"
start_plain_gunicorn() {
  serve "$plain_port" "$out/gunicorn-plain.log" AURIC_PRIVACY_BACKEND=auric.demo.plain_privacy
  plain_pid="$served_pid"
}

locust_run() {  # scenario, seconds, csv prefix (empty: warm-up)
  local csv_args=() warmup=1 pieces="0/4" rate="$order_rate" n="$users" target="$host"
  [ -n "$3" ] && csv_args=(--csv "$3") && warmup=""
  # The four checkouts buy from separate quarters of the list of pieces (and of shoppers). The two
  # that price the vault run at once, each with half the users and half the rate.
  [ "$1" = checkout_plain ] && pieces="1/4" && rate="$half_light_rate" && n="$half_users" && target="$plain_host"
  [ "$1" = checkout_light ] && pieces="2/4" && rate="$half_light_rate" && n="$half_users"
  [ "$1" = checkout_paced ] && pieces="3/4"
  AURIC_BENCH_PIECES="$pieces" AURIC_BENCH_WARMUP="$warmup" AURIC_BENCH_SCENARIO="$1" \
    AURIC_BENCH_USERS="$n" AURIC_BENCH_ORDER_RATE="$rate" \
    AURIC_BENCH_TARGETS="$out/targets.json" timeout 300 \
    .venv/bin/locust -f tests/bench/locustfile.py --headless -u "$n" -r "$n" -t "$2" \
    --host "$target" --only-summary --loglevel WARNING --exit-code-on-error 0 "${csv_args[@]}" >"$out/$1.log" 2>&1 || true
}
half_users=$(((users + 1) / 2))
half_light_rate="$(awk -v r="$light_rate" 'BEGIN { print r / 2 }')"
vault_duration="${AURIC_BENCH_VAULT_DURATION:-60s}"
side_by_side() {  # seconds, "csv" to record (else a warm-up)
  local plain_csv="" light_csv=""
  [ -n "$2" ] && plain_csv="$out/checkout_plain" && light_csv="$out/checkout_light"
  locust_run checkout_plain "$1" "$plain_csv" &
  local plain_locust=$!
  locust_run checkout_light "$1" "$light_csv" &
  local light_locust=$!
  wait "$plain_locust" "$light_locust"
}

echo "== warm-up"
for scenario in $scenarios; do [ "$scenario" = provenance ] || locust_run "$scenario" 4s ""; done

for scenario in $scenarios; do
  [ "$scenario" = checkout ] && continue  # last, after the baseline below
  [ "$scenario" = provenance ] && continue  # not a locust scenario: below, with the servers stopped
  echo "== $scenario: $users users for $duration"
  locust_run "$scenario" "$duration" "$out/$scenario"
done

# The checkout three times. What the personal-data vault costs, at a moderate load (AURIC_BENCH_LIGHT_RATE
# orders a second in all, paced), where queueing does not drown it: as shipped and without the vault
# (the baseline keeps the same values as plain rows in the commerce database; it loads only with
# AURIC_BENCH_VIEWS) on two servers at once. Then as shipped at the
# target load (AURIC_BENCH_ORDER_RATE), and with no think time: the most orders a second it takes.
if [[ " $scenarios " == *" checkout "* ]]; then
  echo "== vault: store / reveal / find per field"
  $py manage.py bench_vault -n 300 --json >"$out/vault_fields.json"
  # Side by side, so both meet the same machine: run one after the other, steps that never touch
  # personal data moved by ±20 % between the two runs. Both servers are warmed together for 10 s.
  start_plain_gunicorn
  side_by_side 10s ""
  echo "== checkout with and without the vault side by side, $half_light_rate orders/s and $half_users users each, for $vault_duration"
  side_by_side "$vault_duration" csv
  stop_plain_gunicorn
  echo "== checkout at $order_rate orders/s: $users users for $duration"
  locust_run checkout_paced "$duration" "$out/checkout_paced"
  echo "== checkout, no think time: $users users for $duration"
  locust_run checkout "$duration" "$out/checkout"
fi

# The provenance log: appends/s, proof latency at 10k/100k/1M entries, bytes per entry (in-process,
# on the same PostgreSQL, with the web servers stopped so nothing else competes).
rm -f "$out/provenance.json"
if [[ " $scenarios " == *" provenance "* ]]; then
  stop_gunicorn
  kill "$sequencer_pid" 2>/dev/null || true
  sequencer_pid=""
  echo "== provenance log"
  $py tests/bench/provenance.py --out "$out/provenance.json" --sizes "${AURIC_BENCH_LOG_SIZES:-10000,100000,1000000}"
fi

$py tests/bench/report.py --results "$out" --targets "$out/targets.json" --out docs/BENCHMARKS.md --rate "$order_rate" --light-rate "$light_rate" \
  --svg docs/benchmarks.svg --users "$users" --duration "$duration" --workers "$workers" --scale "$scale" \
  --postgres "PostgreSQL $pg_version" --loadavg "$loadavg"
echo "Wrote docs/BENCHMARKS.md and docs/benchmarks.svg"
