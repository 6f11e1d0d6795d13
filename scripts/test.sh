#!/usr/bin/env bash
# Runs every test, the lab-backed integration tests included (they need root).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
go vet ./...
go test -race -count=1 -timeout 20m ./...
# Then each fuzz target briefly (20 s; scripts/fuzz.sh runs them longer before a release).
FUZZTIME=20s bash scripts/fuzz.sh
