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
  libayatana-appindicator3-dev libsoup-3.0-dev libdbus-1-dev)
# python3-aiosmtpd: the real SMTP server (plain, STARTTLS, TLS, AUTH) the email tests run;
# postgresql: the real central database the sync tests start (initdb + pg_ctl, per test).
# faketime: the whole suite runs again a year ahead, so no test can depend on today's date.
# wine64: the same suites run again as Windows programs (built with gcc-mingw-w64).
# gnome-keyring, dbus-daemon: the real-window tests give the app a Secret Service of its own,
# where it keeps its database key as on a clerk's desktop (libsecret-tools: read it back).
TEST_PACKAGES=(xvfb xauth webkit2gtk-driver imagemagick x11-utils gcc-mingw-w64-x86-64
  python3-aiosmtpd postgresql faketime wine64 gnome-keyring dbus-daemon libsecret-tools)
WINDOWS_TARGET=x86_64-pc-windows-gnu

# Each step says when it starts, in seconds since the command began, so a slow step shows.
say() { printf '\n\033[1m== [%d s] %s\033[0m\n' "$SECONDS" "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# A package run cut short (power loss, a killed job) leaves dpkg "interrupted", and every
# later apt-get refuses to work until it is finished; finishing it is what dpkg asks for.
repair_dpkg() {
  if [ -n "$(dpkg --audit 2>/dev/null)" ]; then
    say "Finishing an interrupted package installation (dpkg --configure -a)"
    as_root env DEBIAN_FRONTEND=noninteractive dpkg --configure -a
  fi
}

install_packages() {
  repair_dpkg
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

install_node() {
  if ! command -v npm >/dev/null 2>&1; then
    install_packages nodejs npm
  fi
  if [ ! -x node_modules/.bin/tauri ] || [ ! -f node_modules/axe-core/axe.min.js ] || [ ! -x node_modules/.bin/tsc ]; then
    say "Installing the Tauri CLI, axe-core and TypeScript (npm, pinned by package-lock.json)"
    npm ci --no-audit --no-fund
  fi
}

banner() {
  printf '\n\033[1;31m%s\n!! %s\n%s\033[0m\n\n' "$(printf '!%.0s' {1..78})" "$*" "$(printf '!%.0s' {1..78})"
}

# The Rust standard library for the Windows target; says so loudly if it cannot.
install_windows_target() {
  rustup target list --installed 2>/dev/null | grep -qx "$WINDOWS_TARGET" && return 0
  rustup target add "$WINDOWS_TARGET" && return 0
  banner "ATENCIÓN: no se pudo instalar el target $WINDOWS_TARGET: $1 NO se comprobó."
  return 1
}

# The test suites (core, shell, central) as Windows programs under Wine; the SMTP and
# PostgreSQL test servers stay on the Linux side.
windows_tests() {
  say "Windows: the same tests as Windows programs under Wine (core, shell, central)"
  install_windows_target "las pruebas como programas de Windows" || return 0
  scripts/windows-tests-under-wine.sh
}

# The Linux bundle through the Tauri CLI (proof that the bundle settings are valid), then
# installed and started like a user would. A debug build: it reuses what the tests
# compiled (a release build was a whole second compilation, 9 minutes of a CI run), and
# what is checked here (the bundle, the installed program starting on the embedded
# front end) is the same in both profiles.
deb_bundle() {
  install_node
  say "Linux: .deb through the Tauri CLI, installed and started under Xvfb"
  node_modules/.bin/tauri build --debug --bundles deb --ci
  local deb
  deb=$(ls -t target/debug/bundle/deb/*.deb | head -1)
  ls -l "$deb"
  scripts/check-installed-app.sh "$deb"
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
  install_node # tsc for the screens, axe-core for the accessibility audit of the end-to-end tests
  local started=$SECONDS
  # The crash suite (core/tests/core/crash.rs) kills the app 200 times when run alone; in
  # the whole run 25 kills keep it to about a minute per pass (Linux, a year ahead, Wine).
  export REGISTRO_MATANZAS="${REGISTRO_MATANZAS:-25}"

  say "Formatting (cargo fmt --check)"
  cargo fmt --all -- --check

  say "Lints (cargo clippy, warnings are errors)"
  cargo clippy --workspace --all-targets --locked -- -D warnings

  say "Types of the screens (tsc)"
  node_modules/.bin/tsc -p ui/tsconfig.json

  local results=target/resultados-pruebas.txt
  mkdir -p target
  : >"$results"

  # The Windows test build is the longest compilation (SQLCipher's OpenSSL is built from
  # source for Windows), and the test steps below mostly wait (servers, a year-ahead
  # rerun, a real window with real minutes of inactivity): it compiles meanwhile, into its
  # own log, and is collected before the Windows tests.
  local windows_log=target/windows-tests-build.log windows_pid=""
  if install_windows_target "las pruebas como programas de Windows"; then
    scripts/windows-tests-under-wine.sh --build-only >"$windows_log" 2>&1 &
    windows_pid=$!
  fi

  say "Unit, property, core black-box, SMTP, PostgreSQL, central service and command tests; the benches in quick mode"
  # --all-targets adds the benches (core/benches), each in quick mode: small sizes, one
  # round, its anchor too, a few seconds in all; a bench that no longer works fails here.
  # Their figures come only from `cargo bench` (README, «Mediciones»). No doc test is left
  # out: the doc comments hold only text blocks.
  REGISTRO_BENCH_RAPIDO=1 cargo test --workspace --locked --all-targets 2>&1 | tee -a "$results"

  say "The same tests a year from today (libfaketime): no test may depend on the calendar date"
  scripts/tests-on-another-date.sh +365d 2>&1 | tee -a "$results"

  say "End-to-end: the real app in a real window (Xvfb + tauri-driver + WebKitWebDriver)"
  # The window needs a display; a hung WebDriver session must not hang CI.
  rm -rf target/tmp/capturas-e2e # this run's screenshots only
  timeout 1200 cargo test --locked --test app -- --ignored --test-threads=1 e2e:: 2>&1 | tee -a "$results"

  # Also the proof that the app compiles for the clerks' PCs: the app's program is built
  # for Windows with the tests that start it.
  if [ -n "$windows_pid" ]; then
    say "Windows: the test build that ran in the background"
    if ! wait "$windows_pid"; then
      cat "$windows_log"
      banner "La compilación de las pruebas para Windows falló (arriba)."
      exit 1
    fi
    tail -1 "$windows_log"
  fi
  windows_tests 2>&1 | tee -a "$results"
  deb_bundle

  say "Window start and idle memory against a hello-world Tauri app (scripts/measure-window.sh, quick mode)"
  # One launch of each, no verdict: proof that the measurement still runs (after the .deb,
  # whose debug build it reuses); its figures: README, «Mediciones».
  REGISTRO_BENCH_RAPIDO=1 timeout 600 scripts/measure-window.sh

  say "All checks passed in $((SECONDS - started)) s"
  # One closing line for every cargo test run above.
  awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
       END { printf "Pruebas: %d passed, %d failed\n", p, f }' "$results"
}

case "${1:-}" in
  run) run_app ;;
  test) run_tests ;;
  *)
    echo "Usage: ./dev.sh run | ./dev.sh test" >&2
    exit 2
    ;;
esac
