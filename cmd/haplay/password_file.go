package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"strings"
)

// passwordFromFile reads --become-password-file / --connection-password-file
// as Ansible's CLI.get_password_from_file does: "-" is standard input, an
// executable file is run and its output taken, any other file is read;
// the newlines around the password are not part of it.
func passwordFromFile(flag, path string) (string, error) {
	var secret []byte
	switch fi, err := os.Stat(path); {
	case path == "-":
		if secret, err = io.ReadAll(os.Stdin); err != nil {
			return "", usageErrorf("%s -: %v", flag, err)
		}
	case err != nil:
		return "", usageErrorf("%s: the password file %s was not found", flag, path)
	case fi.Mode().IsRegular() && fi.Mode()&0o111 != 0:
		var stderr bytes.Buffer
		cmd := exec.Command(path)
		cmd.Stderr = &stderr
		if secret, err = cmd.Output(); err != nil {
			return "", usageErrorf("%s: the password script %s failed (%v): %s", flag, path, err, strings.TrimSpace(stderr.String()))
		}
	default:
		if secret, err = os.ReadFile(path); err != nil {
			return "", usageErrorf("%s: could not read the password file %s: %v", flag, path, err)
		}
		secret = bytes.TrimSpace(secret)
	}
	secret = bytes.Trim(secret, "\r\n")
	if len(secret) == 0 {
		return "", usageErrorf("%s: the password file %s is empty", flag, path)
	}
	return string(secret), nil
}
