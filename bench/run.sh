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

# timed OUT CMD...: runs CMD, its output to OUT, and prints "wall cpu":
# seconds of wall time, and seconds of CPU (user + system) of CMD and the
# children it waited for: the controller's cost, which on a real cluster
# does not share its cores with the hosts as the lab does.
timed() {
	local out=$1 t TIMEFORMAT='%R %U %S'
	shift
	t=$( { time "$@" >"$out" 2>&1; } 2>&1 ) || { cat "$out" >&2; return 1; }
	awk '{printf "%s %.3f\n", $1, $2 + $3}' <<<"$t"
}

# median of the numbers on stdin
median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

run_haplay() { # hosts -> prints "wall1 cpu1 wall2 cpu2"
	local n=$1 first second
	reset_hosts "$n"
	local args=(run "$playbook" -i "$work/inv$n.ini" --known-hosts "$lab/known_hosts" --forks "$n" $HAPLAY_FLAGS)
	first=$(timed "$work/haplay.out" "$bin" "${args[@]}") || exit 1
	second=$(timed "$work/haplay2.out" "$bin" "${args[@]}") || exit 1
	grep -q 'changed=0 ' "$work/haplay2.out" || { echo "haplay: second run changed something" >&2; exit 1; }
	echo "$first $second"
}

run_ansible() { # hosts -> prints "wall1 cpu1 wall2 cpu2"
	local n=$1 home first second
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
	first=$(timed "$work/ansible.out" env "${env[@]}" ansible-playbook -i "$work/inv$n.ini" "$playbook") || exit 1
	second=$(timed "$work/ansible2.out" env "${env[@]}" ansible-playbook -i "$work/inv$n.ini" "$playbook") || exit 1
	grep -q 'changed=0 ' "$work/ansible2.out" || { echo "ansible: second run changed something" >&2; exit 1; }
	# Stop this pair's ControlPersist masters (ssh processes we started).
	for s in "$home"/cp/*; do
		[ -S "$s" ] && ssh -o ControlPath="$s" -O exit dummy >/dev/null 2>&1 || true
	done
	echo "$first $second"
}

declare -A result
# cell NAME FILE: medians of the four columns of FILE into result[NAME.k]
cell() {
	local k
	for k in 1 2 3 4; do result[$1.$k]=$(cut -d' ' -f$k "$2" | median); done
}
# The repetitions of the two tools alternate: the speed of a VM drifts by
# 10 to 25% over an hour, and timing one tool's repetitions well after the
# other's would put that drift into the ratio.
reps=$HAPLAY_REPS
[ "${SKIP_ANSIBLE:-}" != 1 ] && [ "$ANSIBLE_REPS" -gt "$reps" ] && reps=$ANSIBLE_REPS
for n in $SIZES; do
	: >"$work/h$n"
	: >"$work/a$n"
	for i in $(seq "$reps"); do
		[ "$i" -le "$HAPLAY_REPS" ] && run_haplay "$n" >>"$work/h$n"
		if [ "${SKIP_ANSIBLE:-}" != 1 ] && [ "$i" -le "$ANSIBLE_REPS" ]; then run_ansible "$n" >>"$work/a$n"; fi
	done
	cell "h$n" "$work/h$n"
	echo "haplay  $n hosts (wall cpu wall cpu): $(tr '\n' ';' <"$work/h$n")" >&2
	if [ "${SKIP_ANSIBLE:-}" != 1 ]; then
		cell "a$n" "$work/a$n"
		echo "ansible $n hosts (wall cpu wall cpu): $(tr '\n' ';' <"$work/a$n")" >&2
	fi
done

ratio() { if [ -n "$2" ]; then printf '%7.1fx' "$(echo "$2 / $1" | bc -l)"; else printf '%8s' -; fi; }
echo
echo "20 tasks, medians of $HAPLAY_REPS haplay / $ANSIBLE_REPS ansible-playbook runs, in seconds;"
echo "wall: the run's wall time; cpu: user+system CPU of the controller process tree"
printf '%-6s %-7s %9s %9s %8s %9s %9s %8s\n' hosts run "haplay" "ansible" ratio "hp cpu" "an cpu" ratio
for n in $SIZES; do
	for r in 1 2; do
		label=first; [ "$r" = 2 ] && label=second
		w=$(( 2 * r - 1 )) c=$(( 2 * r ))
		hw=${result[h$n.$w]} hc=${result[h$n.$c]}
		aw=${result[a$n.$w]:-} ac=${result[a$n.$c]:-}
		printf '%-6s %-7s %9.3f %9s %s %9.3f %9s %s\n' "$n" "$label" "$hw" "${aw:--}" "$(ratio "$hw" "$aw")" \
			"$hc" "${ac:--}" "$(ratio "$hc" "$ac")"
	done
done
