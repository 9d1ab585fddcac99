#!/usr/bin/env bash
# Print the Python to build the virtualenv with: 3.12 where present (the lock is resolved on it),
# else python3.
set -uo pipefail
candidates=("${AURIC_PYTHON:-}")
if command -v pyenv >/dev/null 2>&1; then
  candidates+=("$(pyenv root)"/versions/3.12*/bin/python)
fi
candidates+=("$HOME"/.pyenv/versions/3.12*/bin/python python3.12 python3)
for candidate in "${candidates[@]}"; do
  [ -n "$candidate" ] || continue
  if "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] < (3, 12))' 2>/dev/null; then
    command -v "$candidate"; exit 0
  fi
done
echo "Python 3.12 or newer is needed (set AURIC_PYTHON)." >&2
exit 1
