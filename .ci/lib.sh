# Shared by .ci/start and .ci/test: install what is missing, nothing else. Sourced, not run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# One build cache shared by every clone on this machine (CI runs in a fresh clone).
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/jingxi-target}"
# Incremental artifacts only help an edit-compile loop; here they cost gigabytes per clone.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
export PATH="$HOME/.cargo/bin:$ROOT/end2end/node_modules/.bin:$PATH"
export DEBIAN_FRONTEND=noninteractive
CARGO_LEPTOS_VERSION=0.3.10

# The public data sets live next to the checkout (../shared/data), never in it. A clone made
# elsewhere (CI clones into a temporary directory) finds them next to the repository it came from.
if [ -z "${JINGXI_DATA_DIR:-}" ]; then
  for candidate in "$ROOT/../shared/data" "$(git -C "$ROOT" remote get-url origin 2>/dev/null || true)/../shared/data"; do
    if [ -d "$candidate" ]; then export JINGXI_DATA_DIR="$(cd "$candidate" && pwd)"; break; fi
  done
fi

say() { printf '\n==> %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

APT_UPDATED=
apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing Debian packages: ${missing[*]}"
  if [ -z "$APT_UPDATED" ]; then as_root apt-get update -qq; APT_UPDATED=1; fi
  as_root apt-get install -y -qq "${missing[@]}" >/dev/null
}

ensure_build_tools() {
  command -v cargo >/dev/null || { echo "Rust (rustup, cargo) is required: https://rustup.rs" >&2; exit 1; }
  rustup target list --installed | grep -qx wasm32-unknown-unknown || { say "adding the wasm32 target"; rustup target add wasm32-unknown-unknown; }
  # The test command runs rustfmt and clippy (a minimal rustup profile leaves them out).
  rustup component list --installed | grep -q "^clippy" || rustup component add clippy
  rustup component list --installed | grep -q "^rustfmt" || rustup component add rustfmt
  if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
    say "installing cargo-leptos $CARGO_LEPTOS_VERSION (first run on a new machine: about 30 minutes)"
    cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked
  fi
  # cargo-leptos would download wasm-bindgen otherwise; the CLI must match the crate exactly.
  local want
  want=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/[^0-9.]/, ""); print; exit}' Cargo.lock)
  if ! wasm-bindgen --version 2>/dev/null | grep -q " $want\$"; then
    say "installing wasm-bindgen-cli $want"
    cargo install wasm-bindgen-cli --version "$want" --force
  fi
  # wasm-opt comes from npm's binaryen: Debian's older binaryen silently breaks hydration.
  if [ ! -x end2end/node_modules/.bin/wasm-opt ] || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
    command -v npm >/dev/null || apt_install nodejs npm
    say "installing npm packages (wasm-opt, playwright-core)"
    (cd end2end && npm ci --no-audit --no-fund)
  fi
  # Charts: the site serves npm's ECharts build from its own assets (never from a CDN).
  mkdir -p style/assets/vendor
  cmp -s end2end/node_modules/echarts/dist/echarts.min.js style/assets/vendor/echarts.min.js \
    || cp end2end/node_modules/echarts/dist/echarts.min.js style/assets/vendor/echarts.min.js
}

ensure_test_tools() {
  apt_install chromium fonts-noto-cjk postgresql
}

PG_URL_BASE="postgres://jingxi:jingxi@127.0.0.1:5432"

# psql as the postgres superuser, from a directory it may enter.
pg_psql() { (cd / && as_root runuser -u postgres -- psql "$@"); }

ensure_postgres() {
  if ! pg_isready -q -h 127.0.0.1; then
    say "starting PostgreSQL"
    local cluster version
    version=$(ls /usr/lib/postgresql | sort -V | tail -n1)
    cluster=$(pg_lsclusters -h 2>/dev/null | awk -v v="$version" '$1==v && $2=="main"' || true)
    [ -n "$cluster" ] || as_root pg_createcluster "$version" main >/dev/null
    as_root pg_ctlcluster "$version" main start || true
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 && break; sleep 1; done
    pg_isready -h 127.0.0.1
  fi
  pg_psql -qtAc "SELECT 1 FROM pg_roles WHERE rolname='jingxi'" | grep -q 1 \
    || pg_psql -qc "CREATE ROLE jingxi LOGIN CREATEDB PASSWORD 'jingxi'"
}

# Drops and recreates a database owned by the jingxi role.
fresh_pg_database() {
  pg_psql -qc "DROP DATABASE IF EXISTS $1 WITH (FORCE)" >/dev/null
  pg_psql -qc "CREATE DATABASE $1 OWNER jingxi" >/dev/null
}

# Databases left by earlier integration-test runs (each test makes its own).
drop_old_test_databases() {
  local db
  for db in $(pg_psql -qtAc "SELECT datname FROM pg_database WHERE datname LIKE 'jingxi_t_%'"); do
    pg_psql -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
  done
}
