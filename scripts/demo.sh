#!/usr/bin/env bash
# The main job, end to end on this machine: build haplay, bring up a lab of
# real SSH hosts (network namespaces + sshd), plan and run the shipped
# playbook on it, run it again to show nothing changes, and take the lab
# down. Needs root (the lab) and installs its Debian packages first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
mkdir -p bin
go build -o bin/haplay ./cmd/haplay
lab=$(mktemp -d /run/haplay-demo.XXXXXX)
rmdir "$lab"
trap 'bin/haplay lab down --dir "$lab" >/dev/null 2>&1 || true' EXIT
bin/haplay lab up 3 --dir "$lab"
inv=(-i "$lab/inventory.ini" --known-hosts "$lab/known_hosts")
pb=playbooks/hello.yml

echo; echo "== 1. haplay plan: what would change (exit 2 = changes pending)"
rc=0; bin/haplay plan "$pb" "${inv[@]}" || rc=$?
[ "$rc" = 2 ] || { echo "plan exited $rc, expected 2"; exit 1; }

echo; echo "== 2. haplay run"
bin/haplay run "$pb" "${inv[@]}"

echo; echo "== 3. haplay run again: changed=0 everywhere"
out=$(bin/haplay run "$pb" "${inv[@]}")
echo "$out"
if echo "$out" | grep -E 'changed=[1-9]' >/dev/null; then echo "second run changed something"; exit 1; fi

echo; echo "== 4. haplay plan after the run: nothing to do (exit 0)"
bin/haplay plan "$pb" "${inv[@]}"
echo; echo "demo finished: the lab goes down now"
