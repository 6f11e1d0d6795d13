package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A password file is read, or run when executable, as Ansible's
// get_password_from_file does; the password lands in the connection
// defaults, never on a command line.
func TestPasswordFiles(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "become.txt")
	script := filepath.Join(dir, "ssh-pass.sh")
	if err := os.WriteFile(file, []byte("  s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho from-script\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	o, _, err := parseRun(t, nil, "--become-password-file", file, "--connection-password-file", script)
	if err != nil {
		t.Fatal(err)
	}
	if o.Connection.BecomePassword != "s3cret" || o.Connection.Password != "from-script" {
		t.Errorf("passwords %q %q", o.Connection.BecomePassword, o.Connection.Password)
	}
	_, _, err = parseRun(t, nil, "--become-password-file", filepath.Join(dir, "none"))
	if err == nil || !strings.Contains(err.Error(), "the password file "+filepath.Join(dir, "none")+" was not found") {
		t.Errorf("missing file: %v", err)
	}
	// -K asks even when a file is given, as in Ansible.
	o, _, err = parseRun(t, func(string) (string, error) { return "asked", nil }, "-K", "--become-password-file", file)
	if err != nil || o.Connection.BecomePassword != "asked" {
		t.Errorf("-K with a file: %q %v", o.Connection.BecomePassword, err)
	}
}
