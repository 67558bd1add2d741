#!/usr/bin/env bash
# The test suites as Windows programs: builds the test binaries of the core, the shell and
# the central service for x86_64-pc-windows-gnu (mingw-w64) and runs every test in them
# under Wine (Debian's wine64). The real-window tests are Linux-only and not built.
#
# A Windows program cannot run initdb, runuser or python, so the PostgreSQL and SMTP
# servers stay on the Linux side: registro-test-servers (tests/support) starts one per
# test on request, over loopback; REGISTRO_TEST_SERVERS tells the tests where it listens.
#
# The Wine prefix lives in target/wine/ and is made once; $HOME is not touched. Its
# Windows user is «María José Núñez», so every path the tests use (temporary folders,
# %APPDATA%, Documents) has spaces and accents, as a clerk's profile may.
#
#   scripts/windows-tests-under-wine.sh [test name filter, harness options...]
#   scripts/windows-tests-under-wine.sh --build-only    (compile and make the prefix; run nothing)
set -euo pipefail
cd "$(dirname "$0")/.."

target=x86_64-pc-windows-gnu
wine=/usr/lib/wine/wine64
wineserver=/usr/lib/wine/wineserver
wine_dir=$PWD/target/wine
windows_user="María José Núñez"
started=$SECONDS

[ -x "$wine" ] || { echo "Wine is missing: apt-get install wine64" >&2; exit 1; }

# The Linux side, then the Windows test executables in their own target folder, so the
# Linux and Windows builds never invalidate each other.
cargo build --locked --quiet -p registro-test-support --bin registro-test-servers
CARGO_TARGET_DIR=target/windows-tests cargo test --workspace --locked --target "$target" --no-run
built=$SECONDS

# Wine's environment. Cargo and rustup keep their own homes; Wine gets one in target/.
export CARGO_HOME=${CARGO_HOME:-$HOME/.cargo} RUSTUP_HOME=${RUSTUP_HOME:-$HOME/.rustup}
export WINEPREFIX=$wine_dir/prefix
# Wine's own diagnostics would bury the tests' output.
export WINEDEBUG=-all
# No Mono or Gecko download (nothing here uses .NET or an HTML engine) and no menu
# entries or file associations written into the Linux desktop.
export WINEDLLOVERRIDES="mscoree,mshtml=;winemenubuilder.exe=d"
# Wine reads the user name in the locale's encoding.
export LC_ALL=C.UTF-8
in_wine() { HOME=$wine_dir/home USER=$windows_user "$@"; }

# The prefix is made once; a half-made one (an interrupted first run) is made again.
if [ ! -f "$wine_dir/prefix-ready" ]; then
  echo "Creating the Wine prefix in $WINEPREFIX (once)"
  rm -rf "$WINEPREFIX" "$wine_dir/home"
  mkdir -p "$wine_dir/home"
  in_wine "$wine" wineboot --init
  in_wine "$wineserver" --wait
  touch "$wine_dir/prefix-ready"
fi
# Wine 8 lacks bcryptprimitives.dll, where Rust's standard library gets its random bytes
# on Windows 10 and 11: a stand-in goes into the prefix (see scripts/wine/).
shim=$wine_dir/bcryptprimitives.dll
if [ ! -f "$shim" ] || [ scripts/wine/bcryptprimitives.c -nt "$shim" ]; then
  x86_64-w64-mingw32-gcc -shared -O2 -Wall -o "$shim" scripts/wine/bcryptprimitives.c -ladvapi32
fi
cmp -s "$shim" "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" ||
  cp "$shim" "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll"
if [ "${1:-}" = --build-only ]; then
  echo "Windows tests built in $((built - started)) s; the Wine prefix is ready."
  exit 0
fi

# The Tauri test binaries load WebView2Loader.dll (never calling it: no window opens), which
# the build puts beside the app, not beside the test binaries in deps/.
windows_dir() { printf 'Z:%s' "${1//\//\\}"; }
export WINEPATH
WINEPATH=$(windows_dir "$PWD/target/windows-tests/$target/debug")

# The test servers run until their stdin closes, then wait for the last test to let go.
coproc SERVERS { exec target/debug/registro-test-servers; }
servers_pid=$SERVERS_PID
read -r ready address <&"${SERVERS[0]}" || true
[ "${ready:-}" = listo ] || { echo "registro-test-servers did not start" >&2; exit 1; }
finish() {
  in_wine "$wineserver" --kill 2>/dev/null || true
  exec {SERVERS[1]}>&- 2>/dev/null || true
  wait "$servers_pid" 2>/dev/null || true
}
trap finish EXIT

echo "Windows user inside Wine: $windows_user; test servers on $address"
# The crash suite's child processes start slowly under Wine: five kills show the same
# ("Finalizar tarea" loses nothing) without making this pass the longest of the run.
export REGISTRO_MATANZAS=${REGISTRO_MATANZAS_WINE:-5}
status=0
# A hung test must not hang CI.
in_wine env REGISTRO_TEST_SERVERS="$address" CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER="$wine" \
  CARGO_TARGET_DIR=target/windows-tests timeout 1800 \
  cargo test --workspace --locked --target "$target" --tests -- "$@" || status=$?

# Every test removes what it made; whatever is left in the Windows temporary folder says
# which one did not.
temp_dir="$WINEPREFIX/drive_c/users/$windows_user/Temp"
if [ -d "$temp_dir" ] && [ -n "$(ls -A "$temp_dir")" ]; then
  echo "Left behind in the Windows temporary folder (with what is inside, to tell whose):" >&2
  (cd "$temp_dir" && find . -maxdepth 3 | head -50) >&2
  find "$temp_dir" -mindepth 1 -delete
  [ "$status" -ne 0 ] || status=1
fi
echo "Windows tests under Wine: build $((built - started)) s, run $((SECONDS - built)) s"
exit "$status"
