#!/usr/bin/env bash
# Runs each public role of roles.txt, unchanged, under ansible-playbook and
# under haplay on a fresh one-host lab each time, and compares the status of
# every task and the recap, as the conformance corpus compares them. Run by
# hand as root (the lab needs it), never in CI; record the result in
# docs/wild-roles.md. The roles are other people's code: they are unpacked
# from local git clones (fetched beforehand) into WORK, never committed.
#
#   scripts/wildroles/compare.sh [WORK]      MIRROR=/work/.mirror by default
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
work=${1:-/tmp/wildroles}
mirror=${MIRROR:-/work/.mirror}
mkdir -p "$work/roles"
go build -C "$repo" -o "$work/haplay" ./cmd/haplay
haplay=$work/haplay

unpack() { # name repository commit
  local src="$mirror/${2/\//+}/repo"
  rm -rf "$work/roles/$1"
  git clone -q "$src" "$work/roles/$1"
  git -C "$work/roles/$1" checkout -q "$3"
}

fresh_lab() {
  "$haplay" lab down --dir "$work/lab" >/dev/null 2>&1 || true
  "$haplay" lab up 1 --dir "$work/lab" >/dev/null
}

statuses() { # json file from ansible's json callback or haplay's --output json
  python3 "$here/statuses.py" "$1"
}

printf '| role | commit | tasks | ansible-playbook recap | haplay recap | same |\n|---|---|---|---|---|---|\n' >"$work/table.md"
grep -v '^#' "$here/roles.txt" | while read -r name repository commit; do
  [ -n "$name" ] || continue
  [ -z "${ONLY:-}" ] || [[ " $ONLY " == *" $name "* ]] || continue
  unpack "$name" "$repository" "$commit"
  printf -- '- hosts: all\n  roles:\n    - role: %s\n' "$name" >"$work/$name.yml"
  fresh_lab
  ANSIBLE_ROLES_PATH="$work/roles" ANSIBLE_STDOUT_CALLBACK=json \
    ANSIBLE_SSH_ARGS="-o UserKnownHostsFile=$work/lab/known_hosts -o ControlMaster=auto -o ControlPersist=60s" \
    ansible-playbook -i "$work/lab/inventory.ini" "$work/$name.yml" >"$work/$name.ansible.json" 2>"$work/$name.ansible.err" || true
  fresh_lab
  "$haplay" run "$work/$name.yml" -i "$work/lab/inventory.ini" --roles-path "$work/roles" \
    --known-hosts "$work/lab/known_hosts" --output json >"$work/$name.haplay.json" 2>"$work/$name.haplay.err" || true
  statuses "$work/$name.ansible.json" >"$work/$name.ansible.txt"
  statuses "$work/$name.haplay.json" >"$work/$name.haplay.txt"
  same=yes
  diff -u "$work/$name.ansible.txt" "$work/$name.haplay.txt" >"$work/$name.diff" || same=no
  printf '| %s | %s | %s | %s | %s | %s |\n' "$name" "${commit:0:12}" "$(grep -c ' | ' "$work/$name.ansible.txt" || true)" \
    "$(grep '^recap' "$work/$name.ansible.txt" | cut -c7-)" "$(grep '^recap' "$work/$name.haplay.txt" | cut -c7-)" "$same" >>"$work/table.md"
done
"$haplay" lab down --dir "$work/lab" >/dev/null 2>&1 || true
cat "$work/table.md"
