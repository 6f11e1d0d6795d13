#!/usr/bin/env bash
# Runs every Go fuzz target for FUZZTIME each (default 20s, as scripts/test.sh
# does). Before a release, run them longer: FUZZTIME=10m bash scripts/fuzz.sh
# A failing input is written to the package's testdata/fuzz/FuzzXxx/; commit
# it with the fix, so it stays a regression seed.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZTIME=${FUZZTIME:-20s}

# package and target; -fuzz takes one target per package run.
targets=(
  "./engine/inventory FuzzINI"
  "./engine/inventory FuzzYAML"
  "./engine/inventory FuzzPattern"
  "./engine/playbook FuzzLoad"
  "./engine/template FuzzRenderString"
  "./engine/template FuzzRenderFile"
)

# The list above must name every fuzz target there is, and only those.
listed=$(printf '%s\n' "${targets[@]}" | sort)
found=$(for pkg in $(printf '%s\n' "${targets[@]}" | cut -d' ' -f1 | sort -u) $(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -r -n1 dirname | sed 's|^\./|./|' | sort -u); do
  go test -list '^Fuzz' "$pkg" | grep '^Fuzz' | sed "s|^|$pkg |"
done | sort -u)
if [ "$listed" != "$found" ]; then
  echo "fuzz.sh: its target list differs from the fuzz targets in the code:" >&2
  diff <(echo "$listed") <(echo "$found") >&2 || true
  exit 1
fi

for t in "${targets[@]}"; do
  read -r pkg name <<<"$t"
  echo "fuzz: $name in $pkg for $FUZZTIME"
  go test -run '^$' -fuzz "^${name}\$" -fuzztime "$FUZZTIME" "$pkg"
done
