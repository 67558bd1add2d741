#!/usr/bin/env bash
# Registro en Servicios en Línea — the two commands of the README.
#
#   ./dev.sh run    installs what is missing, then runs the app on the embedded defaults
#   ./dev.sh test   installs what is missing, then runs every check and test
#
# Safe to run again: each step checks before installing. Debian 12 / Ubuntu 22.04+.
set -euo pipefail
cd "$(dirname "$0")"

# Debian packages: WebKitGTK and friends to build the app; Xvfb, xauth and
# WebKitWebDriver for the real-window tests.
BUILD_PACKAGES=(build-essential pkg-config curl libwebkit2gtk-4.1-dev libssl-dev librsvg2-dev
  libayatana-appindicator3-dev libsoup-3.0-dev)
TEST_PACKAGES=(xvfb xauth webkit2gtk-driver)

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_packages() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    say "Installing system packages: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

install_rust() {
  if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
  if ! command -v cargo >/dev/null 2>&1; then
    say "Installing Rust (rustup, stable)"
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
  if command -v rustup >/dev/null 2>&1; then
    rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy
    rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
  fi
}

install_tauri_driver() {
  export PATH="$HOME/.cargo/bin:$PATH"
  if ! tauri-driver --help >/dev/null 2>&1; then
    say "Installing tauri-driver (WebDriver for the real window)"
    cargo install tauri-driver --version '^2' --locked
  fi
}

run_app() {
  install_packages "${BUILD_PACKAGES[@]}"
  install_rust
  say "Building and starting the app (embedded defaults: local SQLite, emails as files, demo roster)"
  if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
    install_packages xvfb xauth
    echo "No display found: starting the app inside a virtual screen (xvfb-run)."
    exec xvfb-run -a -s "-screen 0 1366x768x24" cargo run
  fi
  exec cargo run
}

run_tests() {
  install_packages "${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
  install_rust
  install_tauri_driver
  local started=$SECONDS

  say "Formatting (cargo fmt --check)"
  cargo fmt --all -- --check

  say "Lints (cargo clippy, warnings are errors)"
  cargo clippy --workspace --all-targets --locked -- -D warnings

  say "Unit, property, core black-box and command tests"
  cargo test --workspace --locked

  say "End-to-end: the real app in a real window (Xvfb + tauri-driver + WebKitWebDriver)"
  # The window needs a display; a hung WebDriver session must not hang CI.
  timeout 600 cargo test --locked --test e2e -- --ignored --test-threads=1

  say "All checks passed in $((SECONDS - started)) s"
}

case "${1:-}" in
  run) run_app ;;
  test) run_tests ;;
  *)
    echo "Usage: ./dev.sh run | ./dev.sh test" >&2
    exit 2
    ;;
esac
