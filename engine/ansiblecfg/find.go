package ansiblecfg

import (
	"os"
	"path/filepath"
)

// Env is what finding and resolving read from the process: its
// environment, working directory and home. Tests give their own.
type Env struct {
	Getenv  func(string) (string, bool)
	Environ func() []string // for the ANSIBLE_* variables haplay does not know; nil: none listed
	Cwd     string
	Home    string
}

// OSEnv is the process's own environment.
func OSEnv() Env {
	cwd, _ := os.Getwd()
	home, _ := os.UserHomeDir()
	return Env{Getenv: os.LookupEnv, Environ: os.Environ, Cwd: cwd, Home: home}
}

// WorldWritableWarning is Ansible's warning when it skips ./ansible.cfg.
const WorldWritableWarning = "Ansible is being run in a world writable directory (%s), ignoring it as an ansible.cfg source. " +
	"For more information see https://docs.ansible.com/ansible/devel/reference_appendices/config.html#cfg-in-world-writable-dir"

// Find returns the config file Ansible would use, "" for none, and the
// warning Ansible gives on the way: ANSIBLE_CONFIG (a directory means its
// ansible.cfg), ./ansible.cfg unless the working directory is
// world-writable, ~/.ansible.cfg, /etc/ansible/ansible.cfg; the first that
// exists and can be read.
func Find(env Env) (path, warning string) {
	var candidates []string
	fromEnv, haveEnv := env.Getenv("ANSIBLE_CONFIG")
	if haveEnv {
		fromEnv = absFrom(env, expandPath(env, fromEnv), env.Cwd)
		if st, err := os.Stat(fromEnv); err == nil && st.IsDir() {
			fromEnv = filepath.Join(fromEnv, "ansible.cfg")
		}
		candidates = append(candidates, fromEnv)
	}
	skippedCwd := false
	if st, err := os.Stat(env.Cwd); err == nil && env.Cwd != "" {
		cwdCfg := filepath.Join(env.Cwd, "ansible.cfg")
		if st.Mode().Perm()&0o002 != 0 {
			_, err := os.Stat(cwdCfg)
			skippedCwd = err == nil
		} else {
			candidates = append(candidates, cwdCfg)
		}
	}
	if env.Home != "" {
		candidates = append(candidates, filepath.Join(env.Home, ".ansible.cfg"))
	}
	candidates = append(candidates, "/etc/ansible/ansible.cfg")
	for _, c := range candidates {
		if readable(c) {
			path = c
			break
		}
	}
	if skippedCwd && (!haveEnv || path != fromEnv) {
		warning = sprintf(WorldWritableWarning, env.Cwd)
	}
	return path, warning
}

// readable says whether path exists and can be opened for reading.
func readable(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	f.Close()
	return true
}
