#!/usr/bin/env bash
# The whole suite: lint, types, migrations check, then every test on SQLite and on PostgreSQL
# (a private cluster on 127.0.0.1, stopped at the end), browser tests in Debian's Chromium, and
# schemathesis against the OpenAPI document on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/venv.sh dev
scripts/system-packages.sh
export DJANGO_SETTINGS_MODULE=tests.settings
export AURIC_VAR_DIR="${AURIC_VAR_DIR:-$(mktemp -d)}"
mkdir -p test-artifacts
py=.venv/bin/python

echo "== lint, types, migrations"
.venv/bin/ruff check .
.venv/bin/mypy auric
$py manage.py makemigrations --check --dry-run >/dev/null || { echo "Missing migrations: run manage.py makemigrations"; exit 1; }

echo "== security scan (bandit: medium and high severity)"
.venv/bin/bandit -q -r auric -ll

echo "== dependency audit (pip-audit: known vulnerabilities in the runtime pins)"
# Fails on any known vulnerability. PyPI's per-version JSON (the advisory source) is not served
# on every network: a package it cannot look up is reported and skipped, unless
# AURIC_AUDIT_STRICT=1, which also fails the build on a package that could not be audited.
audit_flags=(--no-deps --progress-spinner off)
[ "${AURIC_AUDIT_STRICT:-0}" = "1" ] && audit_flags+=(--strict)
.venv/bin/pip-audit -r requirements/base.txt "${audit_flags[@]}"

echo "== tests on SQLite"
.venv/bin/pytest -p no:cacheprovider "$@"

echo "== tests on PostgreSQL"
pgdir="$(mktemp -d)"
trap 'scripts/postgres.sh stop "$pgdir"; rm -rf "$pgdir"' EXIT
DATABASE_URL="$(scripts/postgres.sh start "$pgdir" "${AURIC_PG_PORT:-54329}")"
export DATABASE_URL
.venv/bin/pytest -p no:cacheprovider "$@"
