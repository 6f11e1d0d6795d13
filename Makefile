# Developer shortcuts. CI runs scripts/test.sh, not these.
.PHONY: bench gobench

# haplay against ansible-playbook on 5 and 20 lab hosts (root, Linux).
bench:
	bench/run.sh

# Go benchmarks of the hot paths; the lab ones need root.
gobench:
	go test -run XXX -bench . -benchtime 100x ./engine/connection ./engine/template
	go test -run XXX -bench . -benchtime 5x ./bench
