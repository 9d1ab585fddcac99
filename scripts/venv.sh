#!/usr/bin/env bash
# Create .venv and install the pinned requirements (base or dev). Quick when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."
kind="${1:-base}"
if [ ! -x .venv/bin/python ]; then
  python="$(scripts/python.sh)"
  echo "Creating .venv with $("$python" --version)"
  "$python" -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
fi
stamp=".venv/.installed-$kind"
if [ ! -f "$stamp" ] || [ "requirements/$kind.txt" -nt "$stamp" ] || [ requirements/base.txt -nt "$stamp" ]; then
  echo "Installing requirements/$kind.txt"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "requirements/$kind.txt" 2> >(grep -v "^WARNING: Location" >&2)
  touch "$stamp"
fi
