#!/usr/bin/env bash
# Runs the seeds' procedures as code on a 4-host lab dressed as the seeds'
# servers: playbooks/site.yml planned, run, and run again (changed=0).
# Used by scripts/demo.sh; KEEP_LAB=1 leaves the lab up and prints how to
# reach it. Needs root.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
mkdir -p bin
go build -o bin/haplay ./cmd/haplay
(cd modules && CGO_ENABLED=0 go build -o ../bin/microk8s-sim ./testdata/microk8s-sim)

lab=$(mktemp -d /run/haplay-site.XXXXXX)
rmdir "$lab"
extra="$lab.extra"
pids=()
loops=()
cleanup() {
  [ "${KEEP_LAB:-}" = 1 ] && { echo "lab kept: $lab (haplay lab down --dir $lab; losetup -d ${loops[*]})"; return; }
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  bin/haplay lab down --dir "$lab" >/dev/null 2>&1 || true
  for l in "${loops[@]}"; do losetup -d "$l" 2>/dev/null || true; done
  rm -rf "$extra"
}
trap cleanup EXIT

bin/haplay lab up 4 --dir "$lab"
bridge=$(sed -n 's/.*ansible_host=\([0-9.]*\)\.[0-9]* .*/\1.1/p' "$lab/inventory.ini" | head -1)
mkdir -p "$extra"

# The simulators' shared state, on the lab bridge where every host reaches it.
bin/microk8s-sim serve-state "$bridge:0" "$extra/sim.url" 2>"$extra/sim.log" &
pids+=($!)
for _ in $(seq 50); do [ -s "$extra/sim.url" ] && break; sleep 0.1; done

# One small disk per host for its volume group (the installer's ubuntu-vg).
{
  for group in managers workers; do
    echo "[$group]"
    for h in $(sed -n "/^\[$group\]/,/^\[/s/^\(node[0-9]*\) .*/\1/p" "$lab/inventory.ini"); do
      truncate -s 64M "$extra/$h.img"
      dev=$(losetup -f --show "$extra/$h.img")
      loops+=("$dev")
      echo "$h lab_pv=$dev"
    done
  done
} > "$extra/disks.ini"

inv=(-i "$lab/inventory.ini" -i "$extra/disks.ini" -i inventories/lab --known-hosts "$lab/known_hosts")

echo; echo "== 0. lab stand-ins: MicroK8s is the simulator from modules/testdata/microk8s-sim (snap cannot run here)"
bin/haplay run playbooks/lab-prepare.yml "${inv[@]}" \
  -e lab_microk8s_sim="$PWD/bin/microk8s-sim" -e lab_sim_url="$(cat "$extra/sim.url")"

echo; echo "== 1. haplay plan playbooks/site.yml (exit 2: changes pending)"
rc=0; bin/haplay plan playbooks/site.yml "${inv[@]}" || rc=$?
[ "$rc" = 2 ] || { echo "plan exited $rc, expected 2"; exit 1; }

echo; echo "== 2. haplay run playbooks/site.yml"
bin/haplay run playbooks/site.yml "${inv[@]}"

echo; echo "== 3. haplay run playbooks/site.yml again: changed=0 everywhere"
out=$(bin/haplay run playbooks/site.yml "${inv[@]}")
echo "$out" | sed -n '/PLAY RECAP/,$p'
if echo "$out" | grep -E 'changed=[1-9]' >/dev/null; then echo "$out"; echo "the second run changed something"; exit 1; fi

echo; echo "== 4. what the cluster looks like"
ssh_node() { ssh -q -i "$lab/id_ed25519" -o UserKnownHostsFile="$lab/known_hosts" -o BatchMode=yes "root@$1" "${@:2}"; }
ip1=$(sed -n 's/^node1 .*ansible_host=\([0-9.]*\).*/\1/p' "$lab/inventory.ini")
ip4=$(sed -n 's/^node4 .*ansible_host=\([0-9.]*\).*/\1/p' "$lab/inventory.ini")
echo "-- docker node ls (node1)"; ssh_node "$ip1" docker node ls
echo "-- microk8s kubectl get nodes (node1, simulator)"; ssh_node "$ip1" microk8s kubectl get nodes
echo "-- through HAProxy on node4:"; for _ in 1 2 3; do curl -s "http://$ip4/"; done
