#!/usr/bin/env bash
# NDTMS Desk: set up a Debian/Ubuntu machine, then start the app (`start`) or run every test (`test`).
# Safe to run again: each step checks what is already there and does only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
# A failed step names itself and the free disk space (a full disk has looked like a compile error).
trap 'echo "desk.sh: failed at line $LINENO: $BASH_COMMAND; free space: $(df -h . | tail -n 1)" >&2' ERR

APT_PACKAGES=(
  build-essential pkg-config curl file ca-certificates
  libwebkit2gtk-4.1-dev libssl-dev librsvg2-dev libayatana-appindicator3-dev
  xvfb xauth webkit2gtk-driver x11-apps imagemagick
  dbus dbus-x11 libdbus-1-dev gnome-keyring libsecret-tools
)
TAURI_DRIVER_VERSION=2.1.0
NODE_MIN=20.19.0

say() { printf '\n== %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
version_ge() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]; }

setup_apt() {
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    say "Installing system packages: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

setup_rust() {
  if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
  if ! command -v rustup >/dev/null 2>&1 && ! command -v cargo >/dev/null 2>&1; then
    say "Installing Rust (rustup)"
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --default-toolchain none
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
  # rust-toolchain.toml pins the version; rustup installs it on first use.
  cargo --version >/dev/null
}

setup_node() {
  local have=""
  command -v node >/dev/null 2>&1 && have=$(node --version | sed 's/^v//')
  if [ -z "$have" ] || ! version_ge "$have" "$NODE_MIN" || ! command -v npm >/dev/null 2>&1; then
    if ! command -v npm >/dev/null 2>&1; then
      say "Installing Node.js and npm from the system packages"
      as_root apt-get update -qq
      as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm
      have=$(node --version | sed 's/^v//')
    fi
    if ! version_ge "$have" "$NODE_MIN"; then
      # The distribution's Node.js is too old for Vite: take Node 22 from the npm registry.
      say "Node.js $have is older than $NODE_MIN: installing Node 22 into .tools/node"
      npm install --no-audit --no-fund --prefix "$ROOT/.tools/node" node@22 >/dev/null
      export PATH="$ROOT/.tools/node/node_modules/.bin:$PATH"
    fi
  fi
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "Installing npm packages"
    npm ci --no-audit --no-fund
  fi
}

setup_tauri_driver() {
  local bin="${CARGO_HOME:-$HOME/.cargo}/bin/tauri-driver"
  if [ ! -x "$bin" ] || ! "$bin" --help 2>&1 | grep -q -- "--native-driver"; then
    say "Installing tauri-driver $TAURI_DRIVER_VERSION"
    cargo install tauri-driver --version "$TAURI_DRIVER_VERSION" --locked
  fi
}

setup() {
  setup_apt
  setup_rust
  setup_node
  say "Building the user interface"
  npm run --silent ui:build
}

build_app() {
  say "Building the app"
  cargo build --locked -p ndtms-desk -p ndtms-cli
}

run_tests() {
  setup_tauri_driver
  say "Formatting (cargo fmt --check)"
  cargo fmt --all -- --check
  say "Lints (cargo clippy -D warnings)"
  cargo clippy --locked --workspace --all-targets -- -D warnings
  # The installed package's check runs only under `package`, but is linted with the rest.
  cargo clippy --locked -p ndtms-e2e --test installed -- -D warnings
  say "UI type check and unit tests"
  npm run --silent ui:typecheck
  npm run --silent ui:test
  build_app
  say "Rust tests: unit, integration, stale bindings, architecture, end-to-end in the real window"
  # A private D-Bus session with an unlocked gnome-keyring gives the tests a real Secret Service.
  dbus-run-session -- sh -c '
    printf "ndtms-test" | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
    cargo test --locked --workspace --no-fail-fast
  '
}

# The Debian package, built by the Tauri bundler from a release build (app and `ndtms` CLI).
build_package() {
  say "Building the Debian package from a release build"
  node scripts/package-config.mjs
  local rc=0
  TAURI_APP_PATH=src-tauri npx --no-install tauri build --bundles deb --ci || rc=$?
  rm -f src-tauri/tauri.conf.json
  [ "$rc" -eq 0 ] || return "$rc"
  DEB=$(ls -t target/release/bundle/deb/*.deb | head -n 1)
  say "Package: $DEB ($(du -h "$DEB" | cut -f1)), package name $(dpkg-deb -f "$DEB" Package)"
}

# Installs the package on this machine, drives the installed app, then removes the package and
# checks the user's data folder is still there.
check_package() {
  setup_tauri_driver
  local name
  name=$(dpkg-deb -f "$DEB" Package)
  say "Installing $DEB (apt resolves its dependencies)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --reinstall "$ROOT/$DEB"
  say "The installed app: its files, first screen, start time and memory with 10,000 clients"
  NDTMS_APP_BINARY=/usr/bin/ndtms-desk dbus-run-session -- sh -c '
    printf "ndtms-test" | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
    cargo test --locked -p ndtms-e2e --test installed -- --nocapture
  '
  say "Removing the package keeps the user's data"
  local home data
  home=$(mktemp -d)
  data="$home/.local/share/uk.org.ndtms-desk.app"
  HOME="$home" NDTMS_PASSWORD="package check password 1" NDTMS_PASSPHRASE="package check passphrase" \
    /usr/bin/ndtms --data-dir "$data" init --agency N0852 --dataset AD --admin admin --passphrase >/dev/null
  as_root env DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq "$name"
  if [ -e /usr/bin/ndtms-desk ] || [ -e /usr/bin/ndtms ] || [ ! -f "$data/ndtms-desk.db" ]; then
    echo "desk.sh: after removing $name the programs should be gone and $data/ndtms-desk.db kept" >&2
    exit 1
  fi
  say "Removed $name; $data/ndtms-desk.db is still there"
  rm -rf "$home"
}

case "${1:-start}" in
  start)
    setup
    build_app
    if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
      echo "No graphical display found (DISPLAY is not set): the app is built at target/debug/ndtms-desk." >&2
      exit 1
    fi
    say "Starting NDTMS Desk"
    exec target/debug/ndtms-desk
    ;;
  test)
    setup
    run_tests
    ;;
  package)
    setup
    build_package
    check_package
    say "The package is at $DEB"
    ;;
  *)
    echo "usage: scripts/desk.sh start|test|package" >&2
    exit 2
    ;;
esac
