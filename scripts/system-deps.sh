#!/usr/bin/env bash
# Checks (and, where it can, installs) what Crewline needs from the operating system.
#   scripts/system-deps.sh base     python3 (>= 3.11) with venv, node and npm
#   scripts/system-deps.sh browser  the above plus Debian's chromium for the browser tests
set -euo pipefail
want=${1:-base}
missing=()

have_venv() { python3 -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; }
have_venv || missing+=(python3-venv)
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if [ "$want" = browser ] && [ ! -x /usr/bin/chromium ]; then missing+=(chromium fonts-noto-core); fi

[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else SUDO=""; fi
fi
if command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" -eq 0 ] || [ -n "$SUDO" ]; }; then
  echo "Installing system packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
  exit 0
fi
cat >&2 <<MSG
Crewline needs these system packages and cannot install them here (not root, no password-less sudo,
or not a Debian-like system): ${missing[*]}
On Debian or Ubuntu run:   sudo apt-get install ${missing[*]}
Python must be 3.11 or newer. The browser tests use /usr/bin/chromium (Debian's package);
Playwright's own browser download is not used.
MSG
exit 1
