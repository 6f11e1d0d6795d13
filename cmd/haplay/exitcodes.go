package main

import "github.com/haplay/haplay/engine/runner"

// ansibleExitUnreachable is ansible-playbook 2.14's exit code for a run
// in which a host was unreachable (RUN_UNREACHABLE_HOSTS), which is also
// its code for a parse error. haplay's own code is exitUnreachable (3),
// which keeps the two apart (docs/ansible-differences.md).
const ansibleExitUnreachable = 4

// exitForRun maps a run's recap to an exit code: haplay's (exitFor), or
// with ansible, ansible-playbook 2.14's. The two differ when a host was
// unreachable: Ansible exits 4, even when another host failed (its
// strategy tests for unreachable hosts first), where haplay exits 3, or
// 2 when a host also failed.
func exitForRun(rc *runner.Recap, err error, ansible bool) error {
	if !ansible || err != nil || rc == nil || rc.Interrupted {
		return exitFor(rc, err)
	}
	for _, s := range rc.Stats {
		if s.Unreachable > 0 {
			return silentExit(ansibleExitUnreachable)
		}
	}
	return exitFor(rc, err)
}
