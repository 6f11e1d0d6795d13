#!/usr/bin/env bash
# bench/run.sh: haplay against ansible-playbook on the same 20-task
# playbook (bench/playbook.yml), on 5 and on 20 lab hosts, first run (hosts
# reset, no connection cached) and second run (nothing to change).
#
# Usage: bench/run.sh            (as root, Linux; needs ansible-playbook)
# Env:   HAPLAY_REPS (default 5), ANSIBLE_REPS (default 3), SIZES ("5 20"),
#        HAPLAY_FLAGS (extra flags for haplay run), SKIP_ANSIBLE=1.
# Prints one table with the median of each cell and the ansible/haplay
# ratio. Not a test: CI does not run it.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
HAPLAY_REPS=${HAPLAY_REPS:-5}
ANSIBLE_REPS=${ANSIBLE_REPS:-3}
SIZES=${SIZES:-"5 20"}
HAPLAY_FLAGS=${HAPLAY_FLAGS:-}
playbook=$here/playbook.yml

work=$(mktemp -d /tmp/haplay-bench.XXXXXX)
lab=$work/lab
bin=$work/haplay
cleanup() {
	if [ -e "$lab/lab.json" ]; then "$bin" lab down --dir "$lab" >/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

echo "building haplay..." >&2
(cd "$root" && go build -o "$bin" ./cmd/haplay)

max=0
for n in $SIZES; do [ "$n" -gt "$max" ] && max=$n; done
echo "bringing up $max lab hosts..." >&2
"$bin" lab up "$max" --dir "$lab" >&2

# One flat inventory per size: the first n hosts of the lab's inventory.
for n in $SIZES; do
	grep -E '^node[0-9]+ ' "$lab/inventory.ini" | sort -V | head -n "$n" >"$work/inv$n.ini"
done

# reset puts the hosts back to "never ran": the playbook's state and
# Ansible's remote temp directory go.
reset_hosts() {
	"$bin" run "$here/reset.yml" -i "$work/inv$1.ini" --known-hosts "$lab/known_hosts" >/dev/null
}

now() { date +%s.%N; }
elapsed() { echo "$2 - $1" | bc -l; }

# median of the numbers on stdin
median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

run_haplay() { # hosts -> prints "first second"
	local n=$1 t0 t1 t2
	reset_hosts "$n"
	t0=$(now)
	"$bin" run "$playbook" -i "$work/inv$n.ini" --known-hosts "$lab/known_hosts" --forks "$n" $HAPLAY_FLAGS >"$work/haplay.out" ||
		{ cat "$work/haplay.out" >&2; exit 1; }
	t1=$(now)
	"$bin" run "$playbook" -i "$work/inv$n.ini" --known-hosts "$lab/known_hosts" --forks "$n" $HAPLAY_FLAGS >"$work/haplay2.out" ||
		{ cat "$work/haplay2.out" >&2; exit 1; }
	t2=$(now)
	grep -q 'changed=0 ' "$work/haplay2.out" || { echo "haplay: second run changed something" >&2; exit 1; }
	echo "$(elapsed "$t0" "$t1") $(elapsed "$t1" "$t2")"
}

run_ansible() { # hosts -> prints "first second"
	local n=$1 t0 t1 t2 home
	reset_hosts "$n"
	# A fresh HOME per pair: no ControlPersist master survives from the
	# previous pair, so the first run really connects; the second run
	# reuses the masters, as a user's second run would.
	home=$(mktemp -d "$work/ansible-home.XXXXXX")
	local env=(
		HOME="$home" ANSIBLE_LOCAL_TEMP="$home/tmp" ANSIBLE_PIPELINING=1
		ANSIBLE_FORKS="$n" ANSIBLE_HOST_KEY_CHECKING=True
		ANSIBLE_SSH_ARGS="-C -o ControlMaster=auto -o ControlPersist=60s -o UserKnownHostsFile=$lab/known_hosts"
		ANSIBLE_SSH_CONTROL_PATH_DIR="$home/cp" ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3
		ANSIBLE_RETRY_FILES_ENABLED=False ANSIBLE_NOCOLOR=1
	)
	t0=$(now)
	env "${env[@]}" ansible-playbook -i "$work/inv$n.ini" "$playbook" >"$work/ansible.out" ||
		{ cat "$work/ansible.out" >&2; exit 1; }
	t1=$(now)
	env "${env[@]}" ansible-playbook -i "$work/inv$n.ini" "$playbook" >"$work/ansible2.out" ||
		{ cat "$work/ansible2.out" >&2; exit 1; }
	t2=$(now)
	grep -q 'changed=0 ' "$work/ansible2.out" || { echo "ansible: second run changed something" >&2; exit 1; }
	# Stop this pair's ControlPersist masters (ssh processes we started).
	for s in "$home"/cp/*; do
		[ -S "$s" ] && ssh -o ControlPath="$s" -O exit dummy >/dev/null 2>&1 || true
	done
	echo "$(elapsed "$t0" "$t1") $(elapsed "$t1" "$t2")"
}

declare -A result
for n in $SIZES; do
	: >"$work/h$n"
	for _ in $(seq "$HAPLAY_REPS"); do run_haplay "$n" >>"$work/h$n"; done
	result[h1$n]=$(cut -d' ' -f1 "$work/h$n" | median)
	result[h2$n]=$(cut -d' ' -f2 "$work/h$n" | median)
	echo "haplay  $n hosts: $(tr '\n' ';' <"$work/h$n")" >&2
	if [ "${SKIP_ANSIBLE:-}" != 1 ]; then
		: >"$work/a$n"
		for _ in $(seq "$ANSIBLE_REPS"); do run_ansible "$n" >>"$work/a$n"; done
		result[a1$n]=$(cut -d' ' -f1 "$work/a$n" | median)
		result[a2$n]=$(cut -d' ' -f2 "$work/a$n" | median)
		echo "ansible $n hosts: $(tr '\n' ';' <"$work/a$n")" >&2
	fi
done

echo
echo "20 tasks, medians of $HAPLAY_REPS haplay / $ANSIBLE_REPS ansible-playbook runs (seconds)"
printf '%-6s %-7s %10s %12s %8s\n' hosts run haplay ansible ratio
for n in $SIZES; do
	for r in 1 2; do
		label=first; [ "$r" = 2 ] && label=second
		h=${result[h$r$n]}
		a=${result[a$r$n]:-}
		if [ -n "$a" ]; then
			printf '%-6s %-7s %10.3f %12.3f %7.1fx\n' "$n" "$label" "$h" "$a" "$(echo "$a / $h" | bc -l)"
		else
			printf '%-6s %-7s %10.3f %12s %8s\n' "$n" "$label" "$h" - -
		fi
	done
done
