#!/usr/bin/env bash
# Installs the .deb built by the Tauri CLI, starts the installed app under Xvfb with a
# fresh data folder, and checks that it comes up: the window is on screen and the app
# created its database and settings. Removes the package afterwards.
set -euo pipefail
deb=${1:?usage: check-installed-app.sh path/to/app.deb}
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

package=$(dpkg-deb -f "$deb" Package)
binary=$(dpkg-deb -c "$deb" | awk '{print $6}' | grep -E '^(\./)?usr/bin/.+' | head -1 | sed -E 's#^(\./)?#/#')
# A package run cut short earlier leaves dpkg "interrupted" and apt-get refusing; finish it.
if [ -n "$(dpkg --audit 2>/dev/null)" ]; then as_root env DEBIAN_FRONTEND=noninteractive dpkg --configure -a; fi
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --reinstall "$(realpath "$deb")" >/dev/null
echo "installed $package ($binary)"

data=$(mktemp -d)
shots=${SHOTS_DIR:-target/tmp/capturas-deb}
mkdir -p "$shots"
# `-displayfd 1`: Xvfb picks a free display itself (clearing locks left by dead servers)
# and prints its number only once it accepts connections: no guessed number, no race
# with a stale socket.
Xvfb -displayfd 1 -screen 0 1366x768x24 -nolisten tcp >"$data/display" 2>"$data/xvfb.log" &
xvfb=$!
app=""
cleanup() {
  [ -n "$app" ] && kill "$app" 2>/dev/null || true
  kill "$xvfb" 2>/dev/null || true
  as_root env DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq "$package" >/dev/null 2>&1 || true
  rm -rf "$data"
}
trap cleanup EXIT
for _ in $(seq 300); do [ -s "$data/display" ] && break; sleep 0.1; done
if ! [ -s "$data/display" ]; then
  echo "FAIL: Xvfb did not start"; cat "$data/xvfb.log"; exit 1
fi
display=":$(tr -d '[:space:]' <"$data/display")"

DISPLAY=$display REGISTRO_DATA_DIR=$data "$binary" >"$data/app.log" 2>&1 &
app=$!
for _ in $(seq 200); do [ -f "$data/registro.sqlite3" ] && [ -f "$data/ajustes.json" ] && break; sleep 0.1; done
sleep 3
if ! kill -0 "$app" 2>/dev/null; then
  echo "FAIL: the installed app exited"; cat "$data/app.log"; exit 1
fi
[ -f "$data/registro.sqlite3" ] || { echo "FAIL: no database after start"; cat "$data/app.log"; exit 1; }
title="Registro en Servicios en Línea — ISSSTECALI"
if ! DISPLAY=$display xwininfo -root -tree | grep -qF "\"$title\""; then
  echo "FAIL: no window titled «$title»"; DISPLAY=$display xwininfo -root -tree; exit 1
fi
DISPLAY=$display import -window root "$shots/aplicacion-instalada.png"
echo "ok: the installed app is running, its window is in $shots/aplicacion-instalada.png"
