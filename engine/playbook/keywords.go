package playbook

import "sort"

// playKeywords are the play keys haplay knows. An unknown key is an error
// at load time, with a "did you mean" hint.
var playKeywords = keywordSet(
	"name", "hosts", "vars", "vars_files", "vars_prompt", "gather_facts", "gather_subset", "gather_timeout",
	"become", "become_user", "become_method", "serial", "order", "max_fail_percentage", "any_errors_fatal",
	"pre_tasks", "roles", "tasks", "post_tasks", "handlers", "strategy", "environment", "tags",
	"check_mode", "diff", "force_handlers", "remote_user", "ignore_errors", "ignore_unreachable",
	"no_log", "collections", "rollout", "connection", "port", "module_defaults", "throttle",
)

// taskKeywords are the keys of a task other than its module.
var taskKeywords = keywordSet(
	"name", "when", "loop", "loop_control", "register", "changed_when", "failed_when",
	"ignore_errors", "ignore_unreachable", "notify", "listen", "tags", "delegate_to", "delegate_facts",
	"run_once", "retries", "until", "delay", "become", "become_user", "become_method", "vars",
	"environment", "no_log", "throttle", "check_mode", "diff", "args", "action", "local_action",
	"any_errors_fatal", "remote_user", "connection", "collections", "debugger", "timeout",
	"with_items", "with_list", "with_dict", "module_defaults", "async", "poll",
)

// blockKeywords are the keys a block may carry besides block/rescue/always.
var blockKeywords = keywordSet(
	"name", "when", "tags", "become", "become_user", "become_method", "vars", "environment",
	"ignore_errors", "ignore_unreachable", "no_log", "check_mode", "diff", "delegate_to", "run_once",
	"any_errors_fatal", "notify", "throttle", "remote_user", "connection", "collections", "timeout",
	"block", "rescue", "always", "module_defaults",
)

// includeKeywords are the dynamic and static includes.
var includeKeywords = keywordSet("include_tasks", "import_tasks", "include_role", "import_role",
	"ansible.builtin.include_tasks", "ansible.builtin.import_tasks", "ansible.builtin.include_role", "ansible.builtin.import_role")

type keywords map[string]bool

func keywordSet(names ...string) keywords {
	k := keywords{}
	for _, n := range names {
		k[n] = true
	}
	return k
}

func (k keywords) list() []string {
	out := make([]string, 0, len(k))
	for n := range k {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
