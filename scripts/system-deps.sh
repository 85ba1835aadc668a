#!/usr/bin/env bash
# Debian packages the tests start for real, installed when missing (needs root and apt-get):
# wrk (benchmarks), redis-server (shared rate limits), nginx (the proxy in front of several replicas), Node.js + npm (the typed TypeScript client),
# Chromium (the search embed's browser tests; Playwright drives it by path).
set -euo pipefail
command -v apt-get >/dev/null || { echo "no apt-get: install wrk, nginx, redis-server, nodejs, npm, chromium yourself" >&2; exit 0; }
need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx)
command -v npm >/dev/null || need+=(nodejs npm)
command -v redis-server >/dev/null || need+=(redis-server)
[ -x /usr/bin/chromium ] || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "missing Debian packages (run as root to install): ${need[*]}" >&2
    exit 0
  fi
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
