#!/usr/bin/env bash
# Window start and idle memory of the app, against its anchor: a hello-world Tauri 2 app
# kept in the repository (benches/tauri-hello: one page, one input, no plugins), built
# with the same Tauri and the same profile, measured the same way in the same run.
# The full measurement builds both in release, as clerks run the app (the installers are
# release builds); quick mode (CI) uses the debug build the window tests already made.
#
#   scripts/measure-window.sh                          5 launches of each, alternating,
#                                                      after one uncounted launch of each
#   REGISTRO_VENTANA_VECES=9 scripts/measure-window.sh
#   REGISTRO_VENTANA_REPOSO=10 ...                     seconds idle before reading memory (5)
#   REGISTRO_BENCH_RAPIDO=1 scripts/measure-window.sh  quick mode: 1 of each, no verdict
#   REGISTRO_VENTANA_PERFIL=debug ...                  the profile (release; quick: debug)
#
# Each launch, for both programs alike, under a private Xvfb and a private Secret Service
# (dbus-daemon + gnome-keyring, where the app keeps its database key on a clerk's desktop):
# - a new tauri-driver (free ports) whose environment points the data folder
#   (REGISTRO_DATA_DIR) and the XDG folders (WebKit's caches) at a new temporary folder: a
#   first start on an empty folder, nothing left behind;
# - "first input ready": from the WebDriver new-session request (WebKitWebDriver spawns the
#   program on that request) until the focused element is an <input> that is displayed and
#   enabled, i.e. a person can type without clicking first. For the app on an empty data
#   folder that is «Nombre completo» of «Primera cuenta de supervisor», its first screen;
#   for the anchor, its autofocused input. The moment is taken inside the page (Date.now()
#   in the first frame or 5 ms tick where it holds; if it already held when the session
#   came up, the moment of that first check), so WebDriver's polling adds nothing, and the
#   spawn through WebKitWebDriver is the same for both. Typing is what a clerk waits for;
#   a WebDriver session is how to see it without changing either program;
# - "idle memory": a fixed few seconds after that, the sum of the PSS of the program and of
#   every process under it (WebKitWebProcess, WebKitNetworkProcess), /proc/PID/smaps_rollup.
#
# Bash and curl rather than a Rust bench target: a bench would also run under `cargo test
# --all-targets`, where there is no display, and WebDriver here is four HTTP requests.
# Exits non-zero only when a launch fails (a missed target is printed, not failed), so it
# can run in CI in quick mode. Every process and temporary folder goes away, even on failure.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
case "${REGISTRO_BENCH_RAPIDO:-}" in "" | 0) ;; *) quick=1 ;; esac
if [ "$quick" = 1 ]; then launches=1; else launches=${REGISTRO_VENTANA_VECES:-5}; fi
idle=${REGISTRO_VENTANA_REPOSO:-5} # seconds between the first input and the memory reading
if [ "$quick" = 1 ]; then profile=${REGISTRO_VENTANA_PERFIL:-debug}; else profile=${REGISTRO_VENTANA_PERFIL:-release}; fi
target=1.2

die() {
  echo "measure-window: $*" >&2
  exit 1
}
[[ "$launches" =~ ^[1-9][0-9]*$ ]] || die "REGISTRO_VENTANA_VECES debe ser un número entero positivo"
[[ "$idle" =~ ^[0-9]+$ ]] || die "REGISTRO_VENTANA_REPOSO debe ser un número entero de segundos"
[[ "$profile" =~ ^(debug|release)$ ]] || die "REGISTRO_VENTANA_PERFIL debe ser debug o release"
for tool in Xvfb tauri-driver WebKitWebDriver dbus-daemon dbus-send gnome-keyring-daemon curl python3; do
  command -v "$tool" >/dev/null || die "falta $tool (./dev.sh test instala lo necesario)"
done

# Both programs in one cargo call: one feature resolution, the same compiled Tauri.
profile_flag=()
[ "$profile" = release ] && profile_flag=(--release)
cargo build --locked --quiet "${profile_flag[@]}" -p registro-servicios-en-linea -p tauri-hello
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
app_bin=$target_dir/$profile/registro-servicios-en-linea
anchor_bin=$target_dir/$profile/tauri-hello

tmp=$(mktemp -d "${TMPDIR:-/tmp}/medir-ventana.XXXXXX")
# Everything this run starts inherits this mark, even what the bus starts on demand (GTK's
# accessibility bus), which is nobody's child once the bus is gone: the cleanup ends the
# processes that carry it, and no other.
export REGISTRO_MEDICION_VENTANA=$tmp
pids=() # long-lived helpers: Xvfb, the bus, the keyring
driver=""
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  stop_launch
  # SIGTERM: Xvfb removes its lock file and socket, gnome-keyring its control socket.
  local p
  for p in $(marked); do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  sleep 0.5
  for p in $(marked); do kill -KILL "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The processes that carry this run's mark, but not this shell nor its subshells.
marked() {
  local f p mark="REGISTRO_MEDICION_VENTANA=$tmp"
  for f in /proc/[0-9]*/environ; do
    p=${f#/proc/}
    p=${p%/environ}
    [ "$p" = "$$" ] || [ "$p" = "$BASHPID" ] && continue
    grep -qzxF "$mark" "$f" 2>/dev/null || continue
    [ "$(ps -o comm= -p "$p" 2>/dev/null)" = bash ] || echo "$p"
  done
  return 0
}

# Every process under $1, $1 included (parents before children).
tree() {
  local all
  all=$(ps -e -o pid=,ppid=)
  local queue=("$1") out=()
  while [ ${#queue[@]} -gt 0 ]; do
    local p=${queue[0]}
    queue=("${queue[@]:1}")
    out+=("$p")
    while read -r child parent; do
      [ "$parent" = "$p" ] && queue+=("$child")
    done <<<"$all"
  done
  echo "${out[@]}"
}

# Stops the current launch's tauri-driver and everything under it. SIGTERM first:
# tauri-driver then stops WebKitWebDriver, which would otherwise keep its port.
stop_launch() {
  [ -n "$driver" ] || return 0
  local all p
  all=$(tree "$driver")
  kill -TERM "$driver" 2>/dev/null || true
  for _ in $(seq 50); do
    local alive=0
    for p in $all; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for p in $all; do kill -KILL "$p" 2>/dev/null || true; done
  wait "$driver" 2>/dev/null || true
  driver=""
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The display: Xvfb picks a free number itself and writes it once it accepts connections.
Xvfb -displayfd 3 -screen 0 1920x1080x24 -nolisten tcp 3>"$tmp/display" 2>/dev/null &
pids+=($!)
for _ in $(seq 100); do [ -s "$tmp/display" ] && break; sleep 0.1; done
[ -s "$tmp/display" ] || die "Xvfb no arrancó"
display=":$(tr -d '[:space:]' <"$tmp/display")"

# A Secret Service of its own, unlocked, as a clerk's desktop session has.
dbus-daemon --session --nofork --print-address=1 >"$tmp/bus" 2>/dev/null &
pids+=($!)
for _ in $(seq 100); do [ -s "$tmp/bus" ] && break; sleep 0.1; done
bus=$(head -1 "$tmp/bus")
[ -n "$bus" ] || die "dbus-daemon no arrancó"
mkdir -p "$tmp/llavero"
printf 'clave-del-llavero-de-medicion' | DBUS_SESSION_BUS_ADDRESS=$bus HOME=$tmp/llavero \
  XDG_DATA_HOME=$tmp/llavero/data XDG_RUNTIME_DIR=$tmp/llavero \
  gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null 2>&1 &
pids+=($!)
keyring_up=0
for _ in $(seq 150); do
  if DBUS_SESSION_BUS_ADDRESS=$bus dbus-send --session --print-reply --dest=org.freedesktop.DBus \
    /org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null |
    grep -q 'boolean true'; then
    keyring_up=1
    break
  fi
  sleep 0.1
done
[ "$keyring_up" = 1 ] || die "gnome-keyring no tomó el nombre del Secret Service"

# Resolves with Date.now() in the first frame (or 5 ms tick) where a displayed, enabled
# <input> has the focus. Both are polled: frames may be throttled with no window manager.
read -r -d '' ready_script <<'JS' || true
const done = arguments[arguments.length - 1];
const ready = () => {
  const e = document.activeElement;
  return e instanceof HTMLInputElement && !e.disabled && e.getClientRects().length > 0
    && getComputedStyle(e).visibility === 'visible';
};
let finished = false;
const check = () => {
  if (finished) return;
  if (ready()) { finished = true; done(Date.now()); return; }
  requestAnimationFrame(check);
  setTimeout(check, 5);
};
check();
JS
ready_body=$(python3 -c 'import json,sys; print(json.dumps({"script": sys.argv[1], "args": []}))' "$ready_script")

# POSTs $2 to the WebDriver path $1; prints the answer's "value" as JSON; fails on an error.
webdriver() {
  local answer
  answer=$(curl -sS --max-time 60 -X "${3:-POST}" -H 'Content-Type: application/json' \
    --data "$2" "http://127.0.0.1:$port$1") || return 1
  python3 -c 'import json,sys
v = json.loads(sys.argv[1]).get("value")
if isinstance(v, dict) and "error" in v: sys.exit("WebDriver: %s: %s" % (v["error"], v.get("message", "")))
print(json.dumps(v))' "$answer"
}

# Milliseconds since the epoch, as the page's Date.now() (EPOCHREALTIME: no fork).
now_ms() {
  local t=$EPOCHREALTIME
  t=${t//[.,]/}
  echo "${t:0:13}"
}

# One launch of $2 (named $1), in this shell so that the trap knows its tauri-driver; sets
# r_ms (to the first input), r_session (to the WebDriver session), r_kib (PSS), r_count
# (processes) and r_parts (MiB of each, by name).
launch() {
  local name=$1 bin=$2 data
  data=$(mktemp -d "$tmp/lanzamiento.XXXXXX")
  mkdir -p "$data/datos" "$data/xdg-data" "$data/xdg-config" "$data/xdg-cache"
  port=$(free_port)
  local native
  native=$(free_port)
  DISPLAY=$display DBUS_SESSION_BUS_ADDRESS=$bus REGISTRO_DATA_DIR=$data/datos \
    XDG_DATA_HOME=$data/xdg-data XDG_CONFIG_HOME=$data/xdg-config XDG_CACHE_HOME=$data/xdg-cache \
    tauri-driver --port "$port" --native-port "$native" >"$data/driver.log" 2>&1 &
  driver=$!
  # Both ports: tauri-driver listens before WebKitWebDriver behind it does.
  local waited=0
  until listening "$port" && listening "$native"; do
    sleep 0.05
    waited=$((waited + 1))
    [ "$waited" -lt 300 ] || { cat "$data/driver.log" >&2; die "$name: tauri-driver no escuchó"; }
  done
  local caps session started ready
  caps=$(python3 -c 'import json,sys
o = {"tauri:options": {"application": sys.argv[1]}}
print(json.dumps({"capabilities": {"alwaysMatch": o}, "desiredCapabilities": o}))' "$bin")
  started=$(now_ms)
  session=$(webdriver /session "$caps" | python3 -c 'import json,sys; print(json.load(sys.stdin)["sessionId"])' 2>/dev/null) ||
    { cat "$data/driver.log" >&2; die "$name: no se abrió la sesión WebDriver"; }
  local session_up
  session_up=$(now_ms)
  webdriver "/session/$session/timeouts" '{"script": 60000}' >/dev/null ||
    die "$name: WebDriver no aceptó el tiempo límite"
  # The page may still be loading (or replaced once) when the session is up: try again.
  local tries=0
  until ready=$(webdriver "/session/$session/execute/async" "$ready_body" 2>"$data/script.err"); do
    tries=$((tries + 1))
    [ "$tries" -lt 100 ] || { cat "$data/script.err" >&2; die "$name: ningún campo quedó listo"; }
    sleep 0.02
  done
  [[ "$ready" =~ ^[0-9]+$ ]] || die "$name: respuesta inesperada: $ready"
  sleep "$idle" &
  wait $! # (a wait, unlike a foreground sleep, lets an interrupt reach the trap at once)
  # The program is the process under WebKitWebDriver whose executable is $bin.
  local program="" p
  for p in $(tree "$driver"); do
    [ "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$bin" ] && { program=$p; break; }
  done
  [ -n "$program" ] || die "$name: no se encontró su proceso"
  local pss=0 count=0 kib parts=()
  for p in $(tree "$program"); do
    kib=$(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null) || continue
    [ -n "$kib" ] || continue
    pss=$((pss + kib))
    count=$((count + 1))
    parts+=("$(tr -d '\n' <"/proc/$p/comm" 2>/dev/null) $((kib / 1024))")
  done
  webdriver "/session/$session" '{}' DELETE >/dev/null || true
  stop_launch
  rm -rf "$data"
  r_ms=$((ready - started)) r_session=$((session_up - started)) r_kib=$pss r_count=$count
  r_parts=$(IFS=,; echo "${parts[*]}" | sed 's/,/, /g')
}

minimum() { tr ' ' '\n' | sort -n | head -1; }

median() { tr ' ' '\n' | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

verdict() {
  if [ "$quick" = 1 ]; then
    echo "sin veredicto en modo rápido"
  else
    awk -v r="$1" -v t="$target" 'BEGIN { print (r <= t) ? "cumple" : "NO cumple" }'
  fi
}

echo "window: $([ "$quick" = 1 ] && echo quick || echo full) mode, $profile build, $(nproc) cores; $launches launches of each, alternating; memory read ${idle} s after the first input"
if [ "$quick" = 0 ]; then
  # One launch of each, not counted: the first GTK program on the bus starts the
  # accessibility bus, and the first launch of a binary reads it from disk.
  launch app "$app_bin"
  launch anchor "$anchor_bin"
fi
app_ms=() app_kib=() anchor_ms=() anchor_kib=()
for ((i = 1; i <= launches; i++)); do
  # Which goes first alternates, so neither always follows the other's leftovers.
  if ((i % 2)); then order=(app anchor); else order=(anchor app); fi
  for who in "${order[@]}"; do
    if [ "$who" = app ]; then bin=$app_bin; label="app   "; else bin=$anchor_bin; label="anchor"; fi
    launch "$who" "$bin"
    printf 'window/%s #%d: first input %5d ms (WebDriver session at %d ms), idle memory %6.1f MiB (PSS of %d processes: %s)\n' \
      "$label" "$i" "$r_ms" "$r_session" "$(awk -v k="$r_kib" 'BEGIN { print k / 1024 }')" "$r_count" "$r_parts"
    if [ "$who" = app ]; then app_ms+=("$r_ms") app_kib+=("$r_kib"); else anchor_ms+=("$r_ms") anchor_kib+=("$r_kib"); fi
  done
done

a_ms=$(echo "${app_ms[*]}" | median)
h_ms=$(echo "${anchor_ms[*]}" | median)
a_kib=$(echo "${app_kib[*]}" | median)
h_kib=$(echo "${anchor_kib[*]}" | median)
a_min=$(echo "${app_ms[*]}" | minimum)
h_min=$(echo "${anchor_ms[*]}" | minimum)
ratio_ms=$(awk -v a="$a_ms" -v b="$h_ms" 'BEGIN { printf "%.2f", a / b }')
ratio_kib=$(awk -v a="$a_kib" -v b="$h_kib" 'BEGIN { printf "%.2f", a / b }')
# The fastest launches too: on a machine busy with other work they show the programs' own
# cost best; the verdict stays on the medians.
printf 'window/start: first input ready, median of %d: %.2f s app, %.2f s hello-world Tauri — the app is %.2f× this (target ≤ %s: %s); fastest %.2f s and %.2f s (%.2f×)\n' \
  "$launches" "$(awk -v m="$a_ms" 'BEGIN { print m / 1000 }')" "$(awk -v m="$h_ms" 'BEGIN { print m / 1000 }')" \
  "$ratio_ms" "$target" "$(verdict "$ratio_ms")" \
  "$(awk -v m="$a_min" 'BEGIN { print m / 1000 }')" "$(awk -v m="$h_min" 'BEGIN { print m / 1000 }')" \
  "$(awk -v a="$a_min" -v b="$h_min" 'BEGIN { printf "%.2f", a / b }')"
printf 'window/memory: idle PSS of the process tree, median of %d: %.1f MiB app, %.1f MiB hello-world Tauri — the app is %.2f× this (target ≤ %s: %s)\n' \
  "$launches" "$(awk -v k="$a_kib" 'BEGIN { print k / 1024 }')" "$(awk -v k="$h_kib" 'BEGIN { print k / 1024 }')" \
  "$ratio_kib" "$target" "$(verdict "$ratio_kib")"
