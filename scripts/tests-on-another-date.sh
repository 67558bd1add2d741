#!/usr/bin/env bash
# Proves that no test depends on the calendar date: every test but the real-window ones
# (`e2e::` in the app's test binary) runs again with the machine's date moved (a year
# ahead by default) through Debian's libfaketime. The servers those tests start
# (PostgreSQL, SMTP) inherit the moved date, so every part of a test sees the same day,
# just not today.
#
#   scripts/tests-on-another-date.sh [+365d]
set -euo pipefail
cd "$(dirname "$0")/.."
shift_by=${1:-+365d}

# The test executables cargo built (unit tests of each crate and one integration binary
# per crate). Built first on its own, so that a build failure stops here instead of
# running stale binaries.
cargo test --workspace --locked --no-run
mapfile -t binaries < <(
  cargo test --workspace --locked --no-run --message-format=json 2>/dev/null |
    python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") != "compiler-artifact" or not m.get("executable"):
        continue
    if not m["profile"]["test"]:
        continue
    print(m["executable"])'
)
[ ${#binaries[@]} -gt 0 ] || { echo "no test binaries found" >&2; exit 1; }

echo "Dates inside the tests: $(faketime -f "$shift_by" date -u '+%Y-%m-%d %H:%M UTC') (real: $(date -u '+%Y-%m-%d %H:%M UTC'))"
for binary in "${binaries[@]}"; do
  echo "-- $(basename "$binary")"
  # Monotonic time stays real: timeouts and sleeps must not jump. The real-window tests are
  # #[ignore]d and so not run; the skip keeps them out should one ever lose its #[ignore].
  FAKETIME_DONT_FAKE_MONOTONIC=1 faketime -f "$shift_by" "$binary" --quiet --skip e2e::
done
