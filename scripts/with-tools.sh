#!/usr/bin/env bash
# Makes sure the tools the project needs are here, then runs the given command with them.
#   bash scripts/with-tools.sh [--need-lint] [--need-browser] <command> [args…]
# Installs pnpm (into .tools/ when it is not on PATH) and the workspace's packages, and checks
# Python with moto (and, with --need-lint, cfn-lint), installing them with pip where it can; with
# --need-browser, Chromium (the report page's test), installed with apt-get where it can.
# Anything it cannot provide stops it with a message that says what to install.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

need_lint=false
need_browser=false
while :; do
  case "${1:-}" in
    --need-lint) need_lint=true; shift ;;
    --need-browser) need_browser=true; shift ;;
    *) break ;;
  esac
done

say() { printf '[setup] %s\n' "$*" >&2; }
fail() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

PNPM_VERSION=10.34.9
MOTO_MIN=5.1

# --- Node.js ---------------------------------------------------------------------------------
command -v node >/dev/null || fail "Node.js is not installed. Install Node.js 20.19 or newer (22 recommended): https://nodejs.org/"
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
  || fail "Node.js $(node --version) is too old. Install Node.js 20.19 or newer (22 recommended)."

# --- pnpm ------------------------------------------------------------------------------------
if ! command -v pnpm >/dev/null || ! pnpm --version 2>/dev/null | grep -q '^10\.'; then
  if [ ! -x "$root/.tools/node_modules/.bin/pnpm" ]; then
    say "installing pnpm $PNPM_VERSION into .tools/ (npm registry)"
    npm install --silent --no-audit --no-fund --prefix "$root/.tools" "pnpm@$PNPM_VERSION" >&2 \
      || fail "could not install pnpm with npm; install pnpm 10 yourself (npm i -g pnpm@10) and retry"
  fi
  export PATH="$root/.tools/node_modules/.bin:$PATH"
fi

# --- workspace packages ------------------------------------------------------------------------
stamp="$root/node_modules/.org-budgets-install-stamp"
if [ ! -f "$stamp" ] || [ "$root/pnpm-lock.yaml" -nt "$stamp" ]; then
  say "installing packages (pnpm install --frozen-lockfile)"
  pnpm install --frozen-lockfile --reporter=append-only >&2 || fail "pnpm install failed (see above)"
  touch "$stamp"
fi

# --- Python, moto, cfn-lint ----------------------------------------------------------------------
python=${ORG_BUDGETS_PYTHON:-python3}
command -v "$python" >/dev/null || fail "Python 3 is not installed ($python not found). Install Python 3.9+ and then: pip install 'moto[server]' cfn-lint"
"$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)' \
  || fail "$("$python" --version 2>&1) is too old; install Python 3.9 or newer"

pip_install() {
  say "installing $* with pip"
  "$python" -m pip install --quiet --user "$@" >&2 2>/dev/null || "$python" -m pip install --quiet "$@" >&2
}

moto_ok() {
  "$python" - "$MOTO_MIN" <<'PY' 2>/dev/null
import sys
import moto, flask  # flask: moto's server extra
from moto.server import main  # noqa: F401
need = tuple(int(x) for x in sys.argv[1].split("."))
have = tuple(int(x) for x in moto.__version__.split(".")[:2])
sys.exit(0 if have >= need else 1)
PY
}
if ! moto_ok; then
  pip_install "moto[server]>=$MOTO_MIN" || true
  moto_ok || fail "moto server ($MOTO_MIN or newer) is not available to $python. Install it with: $python -m pip install 'moto[server]'"
fi

if $need_lint; then
  lint_ok() { "$python" -c "from cfnlint.runner import main" >/dev/null 2>&1; }
  if ! lint_ok; then
    pip_install cfn-lint || true
    lint_ok || fail "cfn-lint is not available to $python. Install it with: $python -m pip install cfn-lint"
  fi
fi

# --- Chromium (the report page is tested in a real browser) -------------------------------------
# The system's Chromium: npm packages that download a browser need a network that CI may not have.
find_chromium() {
  local candidate
  for candidate in "${ORG_BUDGETS_CHROMIUM:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
    if [ -n "$candidate" ] && [ -x "$candidate" ]; then echo "$candidate"; return 0; fi
  done
  return 1
}
if $need_browser; then
  if ! find_chromium >/dev/null; then
    as_root=""
    if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && sudo -n true 2>/dev/null; then as_root="sudo -n"; fi
    if command -v apt-get >/dev/null && { [ "$(id -u)" -eq 0 ] || [ -n "$as_root" ]; }; then
      say "installing Chromium with apt-get (Debian's chromium package)"
      { $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >&2 \
        || { $as_root apt-get update -q >&2 && $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >&2; }; } || true
    fi
  fi
  chromium_path=$(find_chromium) \
    || fail "Chromium is not installed (the report page's test opens it in a browser). Install it with: sudo apt-get install -y chromium (Debian; chromium-browser on Ubuntu), or set ORG_BUDGETS_CHROMIUM to a Chromium or Chrome binary"
  export ORG_BUDGETS_CHROMIUM="$chromium_path"
fi

export ORG_BUDGETS_PYTHON="$python"
export SLS_TELEMETRY_DISABLED=1
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
[ $# -gt 0 ] && exec "$@"
