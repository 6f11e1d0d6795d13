package cluster

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/haplay/haplay/engine/connection/hostcmd"
	"github.com/haplay/haplay/engine/module"
)

// dockerConnArgs reach the Docker daemon as the collection's modules do,
// through the docker CLI's global options and environment.
var dockerConnArgs = []module.Arg{
	{Name: "docker_host", Type: module.TypeStr, Aliases: []string{"docker_url"}, Doc: "the daemon to talk to (docker --host), e.g. unix:///var/run/docker.sock, tcp://10.0.0.1:2376, ssh://user@host; default: the CLI's (DOCKER_HOST, its context)"},
	{Name: "api_version", Type: module.TypeStr, Aliases: []string{"docker_api_version"}, Doc: "the API version the CLI speaks (DOCKER_API_VERSION); auto: the CLI's choice"},
	{Name: "timeout", Type: module.TypeInt, Doc: "seconds each docker command may take (coreutils timeout); default: no limit (Ansible's 60 s applies to each API request)"},
	{Name: "tls", Type: module.TypeBool, Default: false, Doc: "use TLS without verifying the daemon (docker --tls)"},
	{Name: "validate_certs", Type: module.TypeBool, Default: false, Aliases: []string{"tls_verify"}, Doc: "use TLS and verify the daemon's certificate (docker --tlsverify)"},
	{Name: "ca_cert", Type: module.TypePath, Aliases: []string{"tls_ca_cert", "cacert_path"}, Doc: "CA certificate the daemon's is checked with (docker --tlscacert)"},
	{Name: "client_cert", Type: module.TypePath, Aliases: []string{"tls_client_cert", "cert_path"}, Doc: "client certificate (docker --tlscert)"},
	{Name: "client_key", Type: module.TypePath, Aliases: []string{"tls_client_key", "key_path"}, Doc: "client key (docker --tlskey)"},
	{Name: "debug", Type: module.TypeBool, Default: false, Doc: "the CLI's debug output (docker --debug), in the failure messages"},
	{Name: "use_ssh_client", Type: module.TypeBool, Default: false, Doc: "accepted either way: for an ssh:// docker_host the docker CLI always runs the ssh command (Ansible's true)"},
	{Name: "tls_hostname", Type: module.TypeStr, Doc: "not supported: the docker CLI checks the certificate against docker_host's name; a task that sets it fails to load"},
	{Name: "ssl_version", Type: module.TypeStr, Doc: "not supported: the docker CLI has no TLS version option; a task that sets it fails to load"},
}

// swarmSpecArgs are the swarm settings: set by docker swarm init, and on
// a manager of an existing swarm compared with `docker info`'s
// Cluster.Spec and changed by docker swarm update.
var swarmSpecArgs = []module.Arg{
	{Name: "autolock_managers", Type: module.TypeBool, Doc: "lock the managers' raft data with a key (--autolock)"},
	{Name: "dispatcher_heartbeat_period", Type: module.TypeInt, Doc: "agents' heartbeat period in nanoseconds (--dispatcher-heartbeat; Docker's default 5000000000)"},
	{Name: "node_cert_expiry", Type: module.TypeInt, Doc: "node certificates' validity in nanoseconds (--cert-expiry; Docker's default 90 days)"},
	{Name: "snapshot_interval", Type: module.TypeInt, Doc: "raft log entries between snapshots (--snapshot-interval)"},
	{Name: "keep_old_snapshots", Type: module.TypeInt, Doc: "raft snapshots kept beyond the current one (--max-snapshots)"},
	{Name: "task_history_retention_limit", Type: module.TypeInt, Doc: "tasks kept in history (--task-history-limit)"},
	{Name: "data_path_addr", Type: module.TypeStr, Doc: "address or interface for data path traffic (init and join only, as in Ansible)"},
	{Name: "rotate_worker_token", Type: module.TypeBool, Default: false, Doc: "rotate the worker join token (docker swarm join-token --rotate worker): a change on every run, as in Ansible"},
	{Name: "rotate_manager_token", Type: module.TypeBool, Default: false, Doc: "rotate the manager join token (docker swarm join-token --rotate manager)"},
}

// swarmUnsupported are the collection's arguments the docker CLI cannot
// set (only the Engine API can): a task that sets one fails to load.
var swarmUnsupported = map[string]string{
	"name":                           "the swarm's name",
	"labels":                         "the swarm's labels",
	"election_tick":                  "the raft election tick",
	"heartbeat_tick":                 "the raft heartbeat tick",
	"log_entries_for_slow_followers": "the raft log entries kept for slow followers",
	"ca_force_rotate":                "the CA's force-rotate counter (docker swarm ca --rotate only adds one)",
	"signing_ca_cert":                "the signing CA certificate from a PEM value",
	"signing_ca_key":                 "the signing CA key from a PEM value",
}

func swarmUnsupportedArgs() []module.Arg {
	var out []module.Arg
	for _, k := range []string{"name", "labels", "election_tick", "heartbeat_tick", "log_entries_for_slow_followers", "ca_force_rotate", "signing_ca_cert", "signing_ca_key"} {
		t := module.TypeRaw
		out = append(out, module.Arg{Name: k, Type: t, NoLog: k == "signing_ca_key",
			Doc: "not supported: the docker CLI cannot set " + swarmUnsupported[k] + "; a task that sets it fails to load"})
	}
	return out
}

// checkSwarmUnsupported is the load-time error for what the CLI cannot do.
func checkSwarmUnsupported(a module.Args) []module.ArgError {
	var errs []module.ArgError
	for _, k := range []string{"name", "labels", "election_tick", "heartbeat_tick", "log_entries_for_slow_followers", "ca_force_rotate", "signing_ca_cert", "signing_ca_key"} {
		if a.Has(k) {
			errs = append(errs, module.ArgError{Arg: k, Msg: "haplay drives the docker CLI, which cannot set " + swarmUnsupported[k] + " (only the Engine API can)"})
		}
	}
	if a.Has("tls_hostname") {
		errs = append(errs, module.ArgError{Arg: "tls_hostname", Msg: "the docker CLI checks the daemon's certificate against the name in docker_host: put that name in docker_host"})
	}
	if a.Has("ssl_version") {
		errs = append(errs, module.ArgError{Arg: "ssl_version", Msg: "the docker CLI has no TLS version option"})
	}
	return errs
}

// dockerArgv is the docker command with the task's connection options:
// [env DOCKER_API_VERSION=V] [timeout N] DOCKER [--host H] [--tls...].
func dockerArgv(a module.Args) []string {
	var argv []string
	if v := a.String("api_version"); v != "" && v != "auto" {
		argv = append(argv, "env", "DOCKER_API_VERSION="+v)
	}
	if n := a.Int("timeout"); a.Has("timeout") && n > 0 {
		argv = append(argv, "timeout", strconv.Itoa(n))
	}
	d := a.String("docker_cli")
	if d == "" {
		d = "docker"
	}
	argv = append(argv, d)
	if a.Bool("debug") {
		argv = append(argv, "--debug")
	}
	if h := a.String("docker_host"); h != "" {
		argv = append(argv, "--host", h)
	}
	if a.Bool("validate_certs") {
		argv = append(argv, "--tlsverify")
	} else if a.Bool("tls") {
		argv = append(argv, "--tls")
	}
	for _, o := range [][2]string{{"ca_cert", "--tlscacert"}, {"client_cert", "--tlscert"}, {"client_key", "--tlskey"}} {
		if v := a.String(o[0]); v != "" {
			argv = append(argv, o[1], v)
		}
	}
	return argv
}

// dockerShell is dockerArgv quoted for a script.
func dockerShell(a module.Args) string {
	argv := dockerArgv(a)
	q := make([]string, len(argv))
	for i, w := range argv {
		q[i] = hostcmd.Quote(w)
	}
	return strings.Join(q, " ")
}

// swarmSpecFlags are the init/update flags of the swarm settings the task
// sets; with cur (the Cluster.Spec of docker info) only those that differ.
// It also returns the diff lines of those.
func swarmSpecFlags(a module.Args, cur map[string]any) (flags []string, before, after string) {
	type setting struct {
		arg, flag string
		path      []string
		unit      string // "ns" for durations
	}
	for _, s := range []setting{
		{"task_history_retention_limit", "--task-history-limit", []string{"Orchestration", "TaskHistoryRetentionLimit"}, ""},
		{"snapshot_interval", "--snapshot-interval", []string{"Raft", "SnapshotInterval"}, ""},
		{"keep_old_snapshots", "--max-snapshots", []string{"Raft", "KeepOldSnapshots"}, ""},
		{"dispatcher_heartbeat_period", "--dispatcher-heartbeat", []string{"Dispatcher", "HeartbeatPeriod"}, "ns"},
		{"node_cert_expiry", "--cert-expiry", []string{"CAConfig", "NodeCertExpiry"}, "ns"},
	} {
		if !a.Has(s.arg) {
			continue
		}
		want := int64(a.Int(s.arg))
		if cur != nil {
			have := int64(specNum(cur, s.path...))
			if have == want {
				continue
			}
			before += fmt.Sprintf("%s: %d\n", s.arg, have)
		}
		after += fmt.Sprintf("%s: %d\n", s.arg, want)
		flags = append(flags, s.flag, strconv.FormatInt(want, 10)+s.unit)
	}
	if a.Has("autolock_managers") {
		want := a.Bool("autolock_managers")
		have, _ := specValue(cur, "EncryptionConfig", "AutoLockManagers").(bool)
		if cur == nil && want {
			flags = append(flags, "--autolock")
			after += "autolock_managers: true\n"
		} else if cur != nil && have != want {
			flags = append(flags, "--autolock="+strconv.FormatBool(want))
			before += fmt.Sprintf("autolock_managers: %v\n", have)
			after += fmt.Sprintf("autolock_managers: %v\n", want)
		}
	}
	return flags, before, after
}

func specValue(m map[string]any, path ...string) any {
	var v any = m
	for _, p := range path {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[p]
	}
	return v
}

// specNum reads a number of the spec; an absent one (omitempty) is 0.
func specNum(m map[string]any, path ...string) float64 {
	f, _ := specValue(m, path...).(float64)
	return f
}

// clusterSpec is docker info's Swarm.Cluster.Spec (nil when not shown).
func (s swarmInfo) clusterSpec() map[string]any {
	m, _ := specValue(s.Raw, "Cluster", "Spec").(map[string]any)
	if m == nil {
		m = map[string]any{}
	}
	return m
}
