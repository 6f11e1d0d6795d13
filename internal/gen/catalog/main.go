// Command catalog writes engine/catalog/modules.json.gz, the list of
// every module that ansible-core and the collections of Debian's ansible
// package ship, with their arguments, from the JSON that
// `ansible-doc --metadata-dump -t module` prints (read on stdin) and the
// short-name routing of ansible-core's ansible_builtin_runtime.yml.
//
// It is run by scripts/gen-ansible-catalog.sh, by hand, when the Ansible
// release haplay follows changes; the output is checked in.
package main

import (
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/goccy/go-yaml"

	"github.com/haplay/haplay/engine/catalog"
)

// dump is the part of ansible-doc's metadata dump this reads.
type dump struct {
	All struct {
		Module map[string]struct {
			Doc struct {
				Options map[string]struct {
					Type     string   `json:"type"`
					Required bool     `json:"required"`
					Aliases  []string `json:"aliases"`
				} `json:"options"`
			} `json:"doc"`
		} `json:"module"`
	} `json:"all"`
}

// collectionRuntime is the part of a collection's meta/runtime.yml this
// reads: its action groups, for module_defaults' group/NAME.
type collectionRuntime struct {
	ActionGroups map[string][]any `yaml:"action_groups"`
}

// runtime is the part of ansible_builtin_runtime.yml this reads.
type runtime struct {
	PluginRouting struct {
		Modules map[string]struct {
			Redirect string `yaml:"redirect"`
		} `yaml:"modules"`
	} `yaml:"plugin_routing"`
}

func main() {
	runtimeFile := flag.String("runtime", "/usr/lib/python3/dist-packages/ansible/config/ansible_builtin_runtime.yml", "ansible-core's builtin routing")
	out := flag.String("o", "engine/catalog/modules.json.gz", "output file")
	collections := flag.String("collections", "/usr/lib/python3/dist-packages/ansible_collections", "the installed collections, for their action groups")
	core := flag.String("core", "", "ansible-core version, recorded in the output")
	coll := flag.String("ansible", "", "the ansible (collections) package version, recorded in the output")
	flag.Parse()
	if err := run(os.Stdin, *runtimeFile, *collections, *out, *core, *coll); err != nil {
		fmt.Fprintln(os.Stderr, "catalog:", err)
		os.Exit(1)
	}
}

func run(in io.Reader, runtimeFile, collections, out, core, coll string) error {
	var d dump
	if err := json.NewDecoder(in).Decode(&d); err != nil {
		return fmt.Errorf("read ansible-doc --metadata-dump: %w", err)
	}
	c := catalog.Data{AnsibleCore: core, Ansible: coll, Modules: map[string]catalog.Module{}, Routing: map[string]string{},
		Groups: map[string][]string{}}
	for name, m := range d.All.Module {
		opts := map[string]catalog.Option{}
		for o, spec := range m.Doc.Options {
			aliases := append([]string(nil), spec.Aliases...)
			sort.Strings(aliases)
			opts[o] = catalog.Option{Type: spec.Type, Required: spec.Required, Aliases: aliases}
		}
		c.Modules[name] = catalog.Module{Options: opts}
	}
	b, err := os.ReadFile(runtimeFile)
	if err != nil {
		return fmt.Errorf("read %s: %w", runtimeFile, err)
	}
	var rt runtime
	if err := yaml.Unmarshal(b, &rt); err != nil {
		return fmt.Errorf("parse %s: %w", runtimeFile, err)
	}
	for short, r := range rt.PluginRouting.Modules {
		if r.Redirect != "" {
			c.Routing[short] = r.Redirect
		}
	}
	if err := readGroups(collections, runtimeFile, c.Groups); err != nil {
		return err
	}
	return write(out, c)
}

// readGroups reads the action groups of every collection and of
// ansible-core (whose legacy groups, such as docker, extend collections'
// groups) into groups, keyed NS.COLL.GROUP, with their members as FQCNs.
func readGroups(dir, builtinRuntime string, groups map[string][]string) error {
	files, err := filepath.Glob(filepath.Join(dir, "*", "*", "meta", "runtime.yml"))
	if err != nil {
		return err
	}
	extends := map[string][]string{}
	read := func(f, coll string) error {
		b, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("read %s: %w", f, err)
		}
		var rt collectionRuntime
		if err := yaml.Unmarshal(b, &rt); err != nil {
			return nil // a runtime.yml this reader cannot parse has no groups for us
		}
		for name, members := range rt.ActionGroups {
			key := coll + "." + name
			groups[key] = nil
			for _, m := range members {
				switch m := m.(type) {
				case string:
					if strings.Count(m, ".") < 2 {
						m = coll + "." + m
					}
					groups[key] = append(groups[key], m)
				case map[string]any:
					extends[key] = append(extends[key], extendGroups(m)...)
				}
			}
		}
		return nil
	}
	for _, f := range files {
		collDir := filepath.Dir(filepath.Dir(f))
		if err := read(f, filepath.Base(filepath.Dir(collDir))+"."+filepath.Base(collDir)); err != nil {
			return err
		}
	}
	if err := read(builtinRuntime, "ansible.builtin"); err != nil {
		return err
	}
	for key, ext := range extends {
		for _, e := range ext {
			groups[key] = append(groups[key], groups[e]...)
		}
	}
	for key := range groups {
		sort.Strings(groups[key])
		groups[key] = slices.Compact(groups[key])
	}
	return nil
}

// extendGroups reads {metadata: {extend_group: [...]}}.
func extendGroups(m map[string]any) []string {
	md, _ := m["metadata"].(map[string]any)
	var out []string
	switch eg := md["extend_group"].(type) {
	case string:
		out = append(out, eg)
	case []any:
		for _, x := range eg {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

func write(path string, c catalog.Data) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	zw, _ := gzip.NewWriterLevel(f, gzip.BestCompression)
	// encoding/json sorts map keys: the same input gives the same bytes.
	if err := json.NewEncoder(zw).Encode(c); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := zw.Close(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}
