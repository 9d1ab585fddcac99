#!/usr/bin/env bash
# Set up and serve the demo shop on an embedded SQLite database with demo data.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/venv.sh base
port="${PORT:-8000}"
# The demo is plain HTTP on loopback, so cookies cannot be Secure-only here.
export AURIC_SECURE_COOKIES=0
py=.venv/bin/python
$py manage.py migrate --noinput
$py manage.py migrate --database vault --noinput
$py manage.py collectstatic --noinput >/dev/null
$py manage.py load_demo_data
$py manage.py ensure_demo_operator
base="http://127.0.0.1:$port"
cat <<TXT

  Auric is running.
    Storefront:   $base/
    Back office:  $base/admin/   (login: operator / auric-demo-2026)
    API docs:     $base/api/docs
    Health:       $base/healthz  $base/readyz

TXT
exec .venv/bin/gunicorn auric.wsgi:application --bind "127.0.0.1:$port" --workers 2 --threads 4 --access-logfile - --log-level warning
