// Package factcache is Ansible's jsonfile fact cache: one JSON file per
// host under a directory, named by an optional prefix and the host's
// inventory name, holding what gathering returned (ansible_* keys,
// gather_subset, module_setup, _ansible_facts_gathered), valid for a
// timeout counted from the file's modification time. haplay reads and
// writes the files ansible-playbook does, so the two tools share a cache.
package factcache

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// JSONFile is one cache directory.
type JSONFile struct {
	Dir    string
	Prefix string
	// Timeout is how long a file stays valid; 0 keeps it for ever.
	Timeout time.Duration
	// Now is the clock (time.Now when nil), for tests.
	Now func() time.Time
}

// New checks the directory as Ansible does: it is created when missing
// and must be readable, writable and searchable.
func New(dir, prefix string, timeout time.Duration) (*JSONFile, error) {
	if dir == "" {
		return nil, errors.New("the jsonfile fact cache needs fact_caching_connection (a writable directory)")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("fact cache directory %s: %w", dir, err)
	}
	probe, err := os.CreateTemp(dir, ".haplay-probe-")
	if err != nil {
		return nil, fmt.Errorf("fact cache directory %s is not writable: %w", dir, err)
	}
	probe.Close()
	os.Remove(probe.Name())
	return &JSONFile{Dir: dir, Prefix: prefix, Timeout: timeout}, nil
}

func (c *JSONFile) path(host string) string { return filepath.Join(c.Dir, c.Prefix+host) }

func (c *JSONFile) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// Get returns a host's cached facts; ok is false when there is no valid
// file. A file that is not JSON is an error, as in Ansible (which also
// removes it).
func (c *JSONFile) Get(host string) (map[string]any, bool, error) {
	p := c.path(host)
	st, err := os.Stat(p)
	if err != nil || host == "" {
		return nil, false, nil
	}
	if c.Timeout > 0 && c.now().Sub(st.ModTime()) > c.Timeout {
		return nil, false, nil
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, false, nil
	}
	var facts map[string]any
	if err := json.Unmarshal(b, &facts); err != nil {
		os.Remove(p)
		return nil, false, fmt.Errorf("the cache file %s was corrupt, or did not otherwise contain valid data; it has been removed: %w", p, err)
	}
	return facts, true, nil
}

// Set writes a host's facts: sorted keys, four-space indent, as
// Ansible's jsonfile writes them, through a temp file and a rename.
func (c *JSONFile) Set(host string, facts map[string]any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "    ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(facts); err != nil {
		return fmt.Errorf("fact cache %s: %w", host, err)
	}
	tmp, err := os.CreateTemp(c.Dir, ".tmp-"+host+"-")
	if err != nil {
		return fmt.Errorf("fact cache %s: %w", host, err)
	}
	_, err = tmp.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), c.path(host))
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("fact cache %s: %w", host, err)
	}
	return nil
}

// Delete removes a host's file (meta: clear_facts, --flush-cache).
func (c *JSONFile) Delete(host string) error {
	if err := os.Remove(c.path(host)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("fact cache %s: %w", host, err)
	}
	return nil
}

// Hosts lists the hosts with a file (dot files and other prefixes left
// out), expired or not.
func (c *JSONFile) Hosts() ([]string, error) {
	entries, err := os.ReadDir(c.Dir)
	if err != nil {
		return nil, fmt.Errorf("fact cache %s: %w", c.Dir, err)
	}
	var out []string
	for _, e := range entries {
		n := e.Name()
		if strings.HasPrefix(n, ".") || !strings.HasPrefix(n, c.Prefix) || e.IsDir() {
			continue
		}
		out = append(out, strings.TrimPrefix(n, c.Prefix))
	}
	return out, nil
}
