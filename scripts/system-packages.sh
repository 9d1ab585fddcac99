#!/usr/bin/env bash
# Install the Debian packages the tests and benchmarks need: PostgreSQL, Redis (for the rate-limit tests), Chromium and a CJK font.
set -euo pipefail
needed=()
command -v /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || needed+=(postgresql)
[ -x /usr/bin/chromium ] || needed+=(chromium)
command -v redis-server >/dev/null 2>&1 || needed+=(redis-server)
fc-list 2>/dev/null | grep -qi "wqy" || needed+=(fonts-wqy-microhei)
[ ${#needed[@]} -eq 0 ] && exit 0
echo "Installing Debian packages: ${needed[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${needed[@]}" >/dev/null
