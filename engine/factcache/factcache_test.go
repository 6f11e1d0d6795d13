package factcache

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The file is Ansible's: prefix+host, sorted keys, four-space indent; it
// expires timeout after its modification time; 0 never expires.
func TestJSONFileRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	c, err := New(dir, "pre_", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	facts := map[string]any{"ansible_hostname": "node1", "_ansible_facts_gathered": true, "module_setup": true}
	if err := c.Set("node1", facts); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "pre_node1"))
	if err != nil {
		t.Fatal(err)
	}
	want := "{\n    \"_ansible_facts_gathered\": true,\n    \"ansible_hostname\": \"node1\",\n    \"module_setup\": true\n}"
	if string(b) != want {
		t.Errorf("file:\n%s\nwant:\n%s", b, want)
	}
	got, ok, err := c.Get("node1")
	if err != nil || !ok || got["ansible_hostname"] != "node1" {
		t.Errorf("get: %v %v %v", got, ok, err)
	}
	c.Now = func() time.Time { return time.Now().Add(2 * time.Hour) }
	if _, ok, _ := c.Get("node1"); ok {
		t.Error("an expired file was read")
	}
	c.Timeout = 0
	if _, ok, _ := c.Get("node1"); !ok {
		t.Error("timeout 0 expired a file")
	}
	if hosts, _ := c.Hosts(); strings.Join(hosts, ",") != "node1" {
		t.Errorf("hosts %v", hosts)
	}
	if err := c.Delete("node1"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := c.Get("node1"); ok {
		t.Error("deleted file was read")
	}
}

func TestJSONFileCorruptAndMissingDir(t *testing.T) {
	if _, err := New("", "", 0); err == nil || !strings.Contains(err.Error(), "fact_caching_connection") {
		t.Errorf("no dir: %v", err)
	}
	dir := t.TempDir()
	c, _ := New(dir, "", 0)
	os.WriteFile(filepath.Join(dir, "bad"), []byte("{not json"), 0o600)
	if _, _, err := c.Get("bad"); err == nil || !strings.Contains(err.Error(), "was corrupt") {
		t.Errorf("corrupt: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "bad")); err == nil {
		t.Error("corrupt file kept")
	}
}
