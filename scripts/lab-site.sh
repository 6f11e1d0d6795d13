#!/usr/bin/env bash
# Runs the seeds' procedures as code on a 4-host lab dressed as the seeds'
# servers: playbooks/site.yml planned, run, and run again (changed=0).
# Used by scripts/demo.sh. Needs root.
#
# The screen shows each step's summary and how long it took; the full
# output of every haplay command goes to $OUT (printed at the start).
#   VERBOSE=1   show the full output on the screen too
#   KEEP_LAB=1  leave the lab up and print how to reach it
set -euo pipefail
cd "$(dirname "$0")/.."

t_start=${EPOCHREALTIME/./}
t_step=$t_start
secs() { local d=$(( ${EPOCHREALTIME/./} - $1 )); printf '%d.%d s' $((d / 1000000)) $((d / 100000 % 10)); }
step() { printf '\n== %s\n' "$*"; t_step=${EPOCHREALTIME/./}; }
took() { printf '   (%s)\n' "$(secs "$t_step")"; }
# show FILE SED-RANGE: the part of a command's output the screen gets.
show() { if [ "${VERBOSE:-}" = 1 ]; then cat "$1"; else sed -n "$2" "$1"; fi; }

OUT=$(mktemp -d /tmp/haplay-demo.XXXXXX)
echo "full output of each step: $OUT"

step "build haplay and the MicroK8s simulator (go build cache reused)"
bash scripts/deps.sh
mkdir -p bin
# The simulator is copied to every host: stripped, it is a third smaller.
(cd modules && CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o ../bin/microk8s-sim ./testdata/microk8s-sim) &
sim_build=$!
go build -o bin/haplay ./cmd/haplay
wait "$sim_build"
took

# The lab in haplay's default state directory: its subnet is fixed
# (10.231.254.0/24), which is what lets inventories/lab name its hosts,
# key and known_hosts, so site.yml runs with -i inventories/lab alone.
lab=/run/haplay-lab
extra=$(mktemp -d /run/haplay-demo.XXXXXX)   # disk images, simulator state
pids=()
loops=()
lab_is_ours=0
cleanup() {
  [ "${KEEP_LAB:-}" = 1 ] && { echo "lab kept: $lab (haplay lab down; losetup -d ${loops[*]}; kill ${pids[*]})"; return; }
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ "$lab_is_ours" = 1 ] && { bin/haplay lab down --dir "$lab" >/dev/null 2>&1 || true; }
  for l in "${loops[@]}"; do losetup -d "$l" 2>/dev/null || true; done
  rm -rf "$extra"
}
trap cleanup EXIT

step "haplay lab up 4: node1-3 managers, node4 worker and load balancer"
if [ -e "$lab/lab.json" ]; then
  echo "a lab is already up in $lab (haplay lab status); take it down first: bin/haplay lab down"
  exit 1
fi
bin/haplay lab up 4 --dir "$lab" | head -1
lab_is_ours=1
bridge=$(sed -n 's/.*ansible_host=\([0-9.]*\)\.[0-9]* .*/\1.1/p' "$lab/inventory.ini" | head -1)

# The simulators' shared state, on the lab bridge where every host reaches it.
bin/microk8s-sim serve-state "$bridge:0" "$extra/sim.url" 2>"$extra/sim.log" &
pids+=($!)
for _ in $(seq 50); do [ -s "$extra/sim.url" ] && break; sleep 0.1; done

# One small disk per host for its volume group (the installer's ubuntu-vg):
# loop devices, named per host for lab-prepare.yml only.
for h in $(sed -n 's/^\(node[0-9]*\) .*/\1/p' "$lab/inventory.ini"); do
  truncate -s 64M "$extra/$h.img"
  dev=$(losetup -f --show "$extra/$h.img")
  loops+=("$dev")
  echo "$h lab_pv=$dev"
done > "$extra/disks.ini"
took

step "0. lab stand-ins (playbooks/lab-prepare.yml): MicroK8s is the SIMULATOR from modules/testdata/microk8s-sim (snap cannot run here); dockerd, an LVM volume group, web servers"
bin/haplay run playbooks/lab-prepare.yml -i inventories/lab -i "$extra/disks.ini" \
  -e lab_microk8s_sim="$PWD/bin/microk8s-sim" -e lab_sim_url="$(cat "$extra/sim.url")" > "$OUT/0-lab-prepare.txt" ||
  { cat "$OUT/0-lab-prepare.txt"; exit 1; }
show "$OUT/0-lab-prepare.txt" '/PLAY RECAP/,$p'
took

step "1. haplay plan playbooks/site.yml -i inventories/lab: what a run would change (exit 2: changes pending; diffs in $OUT/1-plan.txt)"
rc=0; bin/haplay plan playbooks/site.yml -i inventories/lab > "$OUT/1-plan.txt" || rc=$?
[ "$rc" = 2 ] || { cat "$OUT/1-plan.txt"; echo "plan exited $rc, expected 2"; exit 1; }
show "$OUT/1-plan.txt" '/^PLAN \*/,/^Plan:/{s| (/[^)]*/\(roles/[^)]*\))| (\1)|;p}'
took

step "2. haplay run playbooks/site.yml -i inventories/lab"
bin/haplay run playbooks/site.yml -i inventories/lab > "$OUT/2-run.txt" || { cat "$OUT/2-run.txt"; exit 1; }
show "$OUT/2-run.txt" '/PLAY RECAP/,$p'
took

step "3. haplay run playbooks/site.yml -i inventories/lab again: changed=0 everywhere"
bin/haplay run playbooks/site.yml -i inventories/lab > "$OUT/3-run-again.txt" || { cat "$OUT/3-run-again.txt"; exit 1; }
show "$OUT/3-run-again.txt" '/PLAY RECAP/,$p'
if sed -n '/PLAY RECAP/,$p' "$OUT/3-run-again.txt" | grep -E 'changed=[1-9]' >/dev/null; then
  cat "$OUT/3-run-again.txt"; echo "the second run changed something"; exit 1
fi
took

step "4. what the cluster looks like"
ssh_node() { ssh -q -i "$lab/id_ed25519" -o UserKnownHostsFile="$lab/known_hosts" -o BatchMode=yes "root@$1" "${@:2}"; }
ip1=$(sed -n 's/^node1 .*ansible_host=\([0-9.]*\).*/\1/p' "$lab/inventory.ini")
ip4=$(sed -n 's/^node4 .*ansible_host=\([0-9.]*\).*/\1/p' "$lab/inventory.ini")
echo "-- docker node ls (node1: real dockerd, Docker Swarm)"; ssh_node "$ip1" docker node ls
echo "-- microk8s kubectl get nodes (node1: the MicroK8s SIMULATOR)"; ssh_node "$ip1" microk8s kubectl get nodes
echo "-- through HAProxy on node4:"; for _ in 1 2 3; do curl -s "http://$ip4/"; done
took

printf '\nmain job done in %s (lab taken down next; full output in %s)\n' "$(secs "$t_start")" "$OUT"
