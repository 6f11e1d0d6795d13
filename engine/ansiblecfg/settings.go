package ansiblecfg

// Kind is how a setting's text is read, as Ansible's config types.
type Kind int

// The kinds of settings.
const (
	String   Kind = iota // quotes removed
	Bool                 // Ansible's non-strict boolean: y, yes, on, 1, true, t are true
	Int                  //
	Path                 // ~ and $VARS expanded, relative to the file's directory
	PathList             // comma-separated paths
	PathSpec             // colon-separated paths
	List                 // comma-separated, each unquoted
)

// IniKey is where a setting sits in ansible.cfg.
type IniKey struct{ Section, Key string }

// Setting is one setting haplay reads, named as Ansible names it.
type Setting struct {
	// Name is Ansible's (ansible-config dump); the ssh connection
	// plugin's options, which ansible-config dump lists under the plugin,
	// are "ssh_connection.KEY".
	Name string
	Ini  []IniKey // later entries win, as in Ansible
	Env  []string // later entries win; the environment beats the file
	Kind Kind
	// Default is haplay's value when nothing sets it ("" for none).
	Default string
	// Use says what haplay does with it, for `haplay config dump`.
	Use string
	// Values are the values haplay has, when it has not all of them
	// (stdout callbacks, become methods); dump marks any other.
	Values []string
	// Ignored is set when the setting is accepted and has no effect on
	// haplay (Use says why).
	Ignored bool
}

func d(k string) []IniKey  { return []IniKey{{"defaults", k}} }
func pe(k string) []IniKey { return []IniKey{{"privilege_escalation", k}} }
func sc(k string) []IniKey { return []IniKey{{"ssh_connection", k}} }

// Settings are the settings haplay honours or accepts; any other key of
// the file, and any other ANSIBLE_* variable, is "not supported".
var Settings = []Setting{
	{Name: "DEFAULT_HOST_LIST", Ini: d("inventory"), Env: []string{"ANSIBLE_INVENTORY"}, Kind: PathList, Use: "-i when not given"},
	{Name: "DEFAULT_REMOTE_USER", Ini: d("remote_user"), Env: []string{"ANSIBLE_REMOTE_USER"}, Use: "-u"},
	{Name: "BECOME_PASSWORD_FILE", Ini: d("become_password_file"), Env: []string{"ANSIBLE_BECOME_PASSWORD_FILE"}, Kind: Path, Use: "--become-password-file"},
	{Name: "CONNECTION_PASSWORD_FILE", Ini: d("connection_password_file"), Env: []string{"ANSIBLE_CONNECTION_PASSWORD_FILE"}, Kind: Path, Use: "--connection-password-file"},
	{Name: "DEFAULT_TRANSPORT", Ini: d("transport"), Env: []string{"ANSIBLE_TRANSPORT"}, Default: "ssh", Use: "-c"},
	{Name: "DEFAULT_FORKS", Ini: d("forks"), Env: []string{"ANSIBLE_FORKS"}, Kind: Int, Default: "50", Use: "-f"},
	{Name: "DEFAULT_MODULE_NAME", Ini: d("module_name"), Default: "command", Use: "haplay exec's module when -m is not given"},
	{Name: "DEFAULT_ROLES_PATH", Ini: d("roles_path"), Env: []string{"ANSIBLE_ROLES_PATH"}, Kind: PathSpec, Use: "--roles-path"},
	{Name: "COLLECTIONS_PATHS", Ini: []IniKey{{"defaults", "collections_paths"}, {"defaults", "collections_path"}},
		Env: []string{"ANSIBLE_COLLECTIONS_PATHS", "ANSIBLE_COLLECTIONS_PATH"}, Kind: PathSpec, Use: "where NS.COLL.ROLE roles are looked for"},
	{Name: "HOST_KEY_CHECKING", Ini: d("host_key_checking"), Env: []string{"ANSIBLE_HOST_KEY_CHECKING"}, Kind: Bool, Default: "True",
		Use: "False is --host-key-checking off"},
	{Name: "DEFAULT_PRIVATE_KEY_FILE", Ini: d("private_key_file"), Env: []string{"ANSIBLE_PRIVATE_KEY_FILE"}, Kind: Path, Use: "--private-key"},
	{Name: "DEFAULT_TIMEOUT", Ini: d("timeout"), Env: []string{"ANSIBLE_TIMEOUT"}, Kind: Int, Default: "10", Use: "-T"},
	{Name: "DEFAULT_VAULT_PASSWORD_FILE", Ini: d("vault_password_file"), Env: []string{"ANSIBLE_VAULT_PASSWORD_FILE"}, Kind: Path,
		Use: "the vault id default@FILE"},
	{Name: "DEFAULT_VAULT_IDENTITY_LIST", Ini: d("vault_identity_list"), Env: []string{"ANSIBLE_VAULT_IDENTITY_LIST"}, Kind: List,
		Default: "[]", Use: "vault ids, before --vault-id's"},
	{Name: "DEFAULT_BECOME", Ini: pe("become"), Env: []string{"ANSIBLE_BECOME"}, Kind: Bool, Default: "False", Use: "-b"},
	{Name: "DEFAULT_BECOME_METHOD", Ini: pe("become_method"), Env: []string{"ANSIBLE_BECOME_METHOD"}, Default: "sudo", Use: "--become-method",
		Values: []string{"sudo", "su"}},
	{Name: "DEFAULT_BECOME_USER", Ini: pe("become_user"), Env: []string{"ANSIBLE_BECOME_USER"}, Default: "root", Use: "--become-user"},
	{Name: "DEFAULT_BECOME_ASK_PASS", Ini: pe("become_ask_pass"), Env: []string{"ANSIBLE_BECOME_ASK_PASS"}, Kind: Bool, Default: "False", Use: "-K"},
	{Name: "DEFAULT_ASK_PASS", Ini: d("ask_pass"), Env: []string{"ANSIBLE_ASK_PASS"}, Kind: Bool, Default: "False", Use: "-k"},
	{Name: "DEFAULT_FORCE_HANDLERS", Ini: d("force_handlers"), Env: []string{"ANSIBLE_FORCE_HANDLERS"}, Kind: Bool, Default: "False",
		Use: "--force-handlers"},
	{Name: "DEFAULT_LOG_PATH", Ini: d("log_path"), Env: []string{"ANSIBLE_LOG_PATH"}, Kind: Path, Use: "--log-file (haplay writes JSON lines)"},
	{Name: "RETRY_FILES_ENABLED", Ini: d("retry_files_enabled"), Env: []string{"ANSIBLE_RETRY_FILES_ENABLED"}, Kind: Bool, Default: "False",
		Use: "no .retry files either way: a stopped rollout writes a resume file (--limit @FILE)", Ignored: true},
	{Name: "RETRY_FILES_SAVE_PATH", Ini: d("retry_files_save_path"), Env: []string{"ANSIBLE_RETRY_FILES_SAVE_PATH"}, Kind: Path,
		Use: "--resume-dir"},
	{Name: "DEFAULT_STDOUT_CALLBACK", Ini: d("stdout_callback"), Env: []string{"ANSIBLE_STDOUT_CALLBACK"}, Default: "default",
		Use:    "default is --output text, json (ansible.posix.json) is --output json; others are not supported",
		Values: []string{"default", "ansible.builtin.default", "json", "ansible.posix.json"}},
	{Name: "ANSIBLE_NOCOWS", Ini: d("nocows"), Env: []string{"ANSIBLE_NOCOWS"}, Kind: Bool, Default: "False",
		Use: "haplay never draws cows", Ignored: true},
	{Name: "ANSIBLE_NOCOLOR", Ini: d("nocolor"), Env: []string{"ANSIBLE_NOCOLOR", "NO_COLOR"}, Kind: Bool, Default: "False", Use: "no colors"},
	{Name: "DEFAULT_GATHERING", Ini: d("gathering"), Env: []string{"ANSIBLE_GATHERING"}, Default: "implicit",
		Use:    "when plays gather facts: implicit, explicit (only gather_facts: true), smart (hosts not gathered yet, cached facts included)",
		Values: []string{"implicit", "explicit", "smart"}},
	{Name: "DEFAULT_GATHER_SUBSET", Ini: d("gather_subset"), Env: []string{"ANSIBLE_GATHER_SUBSET"}, Kind: List,
		Use: "gather_subset of gathering when the play sets none"},
	{Name: "DEFAULT_GATHER_TIMEOUT", Ini: d("gather_timeout"), Env: []string{"ANSIBLE_GATHER_TIMEOUT"}, Kind: Int,
		Use: "gather_timeout of gathering when the play sets none"},
	{Name: "DEFAULT_FACT_PATH", Ini: d("fact_path"), Env: []string{"ANSIBLE_FACT_PATH"}, Kind: Path,
		Use: "fact_path of gathering (ansible_local)"},
	{Name: "CACHE_PLUGIN", Ini: d("fact_caching"), Env: []string{"ANSIBLE_CACHE_PLUGIN"}, Default: "memory",
		Use:    "memory keeps facts for the run; jsonfile also in fact_caching_connection, in Ansible's files",
		Values: []string{"memory", "ansible.builtin.memory", "jsonfile", "ansible.builtin.jsonfile"}},
	{Name: "CACHE_PLUGIN_CONNECTION", Ini: d("fact_caching_connection"), Env: []string{"ANSIBLE_CACHE_PLUGIN_CONNECTION"},
		Use: "the jsonfile cache's directory (~ and $VARS expanded, relative to the current directory, as Ansible's jsonfile)"},
	{Name: "CACHE_PLUGIN_PREFIX", Ini: d("fact_caching_prefix"), Env: []string{"ANSIBLE_CACHE_PLUGIN_PREFIX"},
		Use: "the jsonfile cache's file name prefix (none unless set, as Ansible's jsonfile)"},
	{Name: "CACHE_PLUGIN_TIMEOUT", Ini: d("fact_caching_timeout"), Env: []string{"ANSIBLE_CACHE_PLUGIN_TIMEOUT"}, Kind: Int, Default: "86400",
		Use: "seconds a cached host stays valid; 0 for ever"},
	{Name: "ssh_connection.ssh_args", Ini: sc("ssh_args"), Env: []string{"ANSIBLE_SSH_ARGS"},
		Use: "ansible_ssh_args when a host has none (-o UserKnownHostsFile, ServerAliveInterval, ServerAliveCountMax are used)"},
	{Name: "ssh_connection.ssh_common_args", Ini: sc("ssh_common_args"), Env: []string{"ANSIBLE_SSH_COMMON_ARGS"}, Use: "--ssh-common-args"},
	{Name: "ssh_connection.ssh_extra_args", Ini: sc("ssh_extra_args"), Env: []string{"ANSIBLE_SSH_EXTRA_ARGS"}, Use: "--ssh-extra-args"},
	{Name: "ssh_connection.timeout", Ini: sc("timeout"), Env: []string{"ANSIBLE_SSH_TIMEOUT"}, Kind: Int, Use: "-T, over [defaults] timeout"},
	{Name: "ssh_connection.host_key_checking", Ini: sc("host_key_checking"), Env: []string{"ANSIBLE_SSH_HOST_KEY_CHECKING"}, Kind: Bool,
		Use: "as HOST_KEY_CHECKING, over it"},
	{Name: "ssh_connection.control_path", Ini: sc("control_path"), Env: []string{"ANSIBLE_SSH_CONTROL_PATH"},
		Use: "haplay keeps one connection per host in process, with no control socket", Ignored: true},
	{Name: "ssh_connection.control_path_dir", Ini: sc("control_path_dir"), Env: []string{"ANSIBLE_SSH_CONTROL_PATH_DIR"}, Kind: Path,
		Use: "haplay keeps one connection per host in process, with no control socket", Ignored: true},
	{Name: "ssh_connection.pipelining", Ini: []IniKey{{"defaults", "pipelining"}, {"connection", "pipelining"}, {"ssh_connection", "pipelining"}},
		Env: []string{"ANSIBLE_PIPELINING", "ANSIBLE_SSH_PIPELINING"}, Kind: Bool, Use: "haplay always pipelines", Ignored: true},
	{Name: "ssh_connection.scp_if_ssh", Ini: sc("scp_if_ssh"), Env: []string{"ANSIBLE_SCP_IF_SSH"},
		Use: "haplay copies files over its own SSH connection, never with scp or sftp", Ignored: true},
}

// notSetting are ANSIBLE_* variables that are not settings of the file.
var notSetting = map[string]bool{"ANSIBLE_CONFIG": true}
