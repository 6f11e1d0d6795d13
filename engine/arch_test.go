// Package arch_test checks rules of the code's shape that the compiler
// cannot: here, that the engine and the command line know no module by
// name. A module declares what it is through engine/module's capability
// interfaces; a name in the engine is a list somebody must remember to
// update.
package arch_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/haplay/haplay/modules"
)

// allowed are string literals that equal a module name but mean something
// else, each with the reason. Keyed by "file: literal" (paths relative to
// engine/), so that a new use of the word elsewhere is caught.
var allowed = map[string]string{
	"connection/command.go: command":          "the shell builtin, in the list of builtins that need a shell",
	"ansiblecfg/settings.go: command":         "DEFAULT_MODULE_NAME's default, Ansible's ad-hoc module when -m is not given",
	"../cmd/haplay/connection_flags.go: user": "ansible-playbook's --user flag",
	"../cmd/haplay/config_apply.go: user":     "ansible-playbook's --user flag, set from remote_user",
	"module/fileinfo.go: file":                "FileInfo.Type of a regular file",
	"module/spec.go: raw":                     "TypeRaw, the argument type of Ansible's argument specs",
	"playbook/roles.go: meta":                 "the role's meta/ directory",
	"playbook/tasks.go: pause":                "loop_control's pause key",
	"playbook/tasks.go: file":                 "the file: key of include_tasks/import_tasks",
	"runner/host.go: file":                    "FileInfo.Type of a regular file",
	"template/env.go: replace":                "Jinja's replace filter, evaluated inline",
	"template/env.go: find":                   "Python's str.find method, evaluated inline",
	"connection/hostkey.go: known_hosts":      "the name of ssh's ~/.ssh/known_hosts file",
	"lab/up_linux.go: known_hosts":            "the name of the lab's known_hosts file",
	"template/filters.go: replace":            "Jinja's replace filter and combine's list_merge=replace",
	"template/file.go: raw":                   "Jinja's {% raw %} block",
	"template/filters_path.go: hostname":      "the hostname field of urlsplit",
	"template/tests_files.go: file":           "Ansible's file test (os.path.isfile)",
	"template/tests_files.go: mount":          "Ansible's mount test (os.path.ismount)",
	"template/lookups.go: file":               "the file lookup plugin",
	"template/lookups.go: template":           "the template lookup plugin, and Ansible's rule that with_first_found in a task whose action contains \"template\" searches templates/",
	"template/lookups_check.go: file":         "the file lookup plugin",
	"template/lookups_check.go: template":     "the template lookup plugin, and with_first_found's templates/ rule (above)",
	"template/lookups_files.go: file":         "the file lookup plugin",
	"template/lookups_files.go: template":     "the template lookup plugin",
	"template/lookups_ini.go: file":           "the file= option of the ini and csvfile lookups",
}

func TestNoModuleNamesInEngineOrCmd(t *testing.T) {
	reg := modules.Builtin()
	fset := token.NewFileSet()
	checked := 0
	for _, root := range []string{".", "../cmd"} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && d.Name() == "testdata" {
				return filepath.SkipDir
			}
			if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
			if err != nil {
				return err
			}
			checked++
			ast.Inspect(f, func(n ast.Node) bool {
				lit, ok := n.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				s, err := strconv.Unquote(lit.Value)
				if err != nil {
					return true
				}
				if _, isModule := reg.Lookup(s); isModule {
					if _, ok := allowed[filepath.ToSlash(path)+": "+s]; !ok {
						t.Errorf("%s: the module name %q: declare a capability in engine/module instead", fset.Position(lit.Pos()), s)
					}
				}
				return true
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if checked < 50 {
		t.Fatalf("only %d files checked: the walk is looking in the wrong place", checked)
	}
}

// layers is docs/architecture.md's table of which haplay packages each
// package may import (tests aside). A package missing here, or an import
// outside its row, fails: change the table and the page together.
var layers = map[string][]string{
	"cmd/haplay":                  {"*"},
	"engine/run":                  {"engine/catalog", "engine/runner", "engine/report", "engine/connection", "engine/connection/hostcmd", "engine/inventory", "engine/playbook", "engine/template", "engine/yamlnode", "engine/requirements", "engine/module", "modules", "engine/shlex", "engine/jinja", "engine/vault", "engine/connspec", "engine/factcache"},
	"engine/report":               {"engine/runner", "engine/playbook", "engine/module", "engine/connection", "engine/connection/hostcmd", "engine/truth"},
	"engine/runner":               {"engine/connspec", "engine/connection", "engine/connection/hostcmd", "engine/module", "engine/playbook", "engine/template", "engine/yamlnode", "engine/pyfmt", "engine/truth", "engine/jinja"},
	"engine/connspec":             {"engine/connection", "engine/connection/hostcmd", "engine/module", "engine/playbook", "engine/truth", "engine/jinja"},
	"engine/catalog":              {},
	"internal/gen/catalog":        {"engine/catalog"},
	"engine/playbook":             {"engine/module", "engine/yamlnode", "engine/truth", "engine/jinja", "engine/suggest"},
	"engine/template":             {"engine/pyfmt", "engine/yamlnode", "engine/truth", "engine/jinja"},
	"engine/inventory":            {"engine/pyfmt", "engine/yamlnode", "engine/shlex", "engine/vault"},
	"engine/yamlnode":             {"engine/jinja", "engine/vault"},
	"engine/pyfmt":                {},
	"engine/truth":                {},
	"modules":                     {"engine/module", "modules/cluster", "modules/commands", "modules/control", "modules/files", "modules/network", "modules/storage", "modules/system"},
	"modules/files":               {"engine/connection/hostcmd", "engine/jinja", "engine/module", "modules/internal/hostscript"},
	"modules/commands":            {"engine/connection/hostcmd", "engine/jinja", "engine/module", "engine/shlex", "modules/internal/hostscript"},
	"modules/system":              {"engine/connection/hostcmd", "engine/jinja", "engine/module", "modules/internal/hostscript"},
	"modules/storage":             {"engine/connection/hostcmd", "engine/jinja", "engine/module", "engine/shlex", "modules/internal/hostscript"},
	"modules/network":             {"engine/connection/hostcmd", "engine/jinja", "engine/module", "engine/yamlnode", "modules/files", "modules/internal/hostscript"},
	"modules/cluster":             {"engine/connection/hostcmd", "engine/jinja", "engine/module", "modules/internal/hostscript"},
	"modules/control":             {"engine/module", "engine/truth", "engine/yamlnode"},
	"modules/internal/hostscript": {"engine/connection/hostcmd", "engine/module"},
	"engine/shlex":                {},
	"engine/suggest":              {},
	"engine/vault":                {},
	"engine/ansiblecfg":           {"engine/truth"},
	"engine/jinja":                {},
	"engine/module":               {"engine/connection/hostcmd", "engine/truth", "engine/jinja", "engine/suggest"},
	"engine/connection":           {"engine/connection/hostcmd", "engine/shlex"},
	"engine/connection/hostcmd":   {},
	"engine/requirements":         {},
	"engine/factcache":            {},
	"engine/lab":                  {},
	"engine/lab/labtest":          {"engine/lab"},
	"internal/e2e":                {"engine/lab", "engine/lab/labtest", "internal/simstate"},
	"internal/golden":             {},
	"internal/simstate":           {},
	"internal/conformance":        {"internal/e2e"},
	"bench":                       {"*"},
	"engine":                      {"*"},
}

func TestLayers(t *testing.T) {
	const mod = "github.com/haplay/haplay/"
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, "../...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := strings.TrimPrefix(fields[0], mod)
		if strings.Contains(pkg, "/testdata/") {
			continue // simulators built for tests
		}
		allowed, ok := layers[pkg]
		if !ok {
			t.Errorf("package %s is not in docs/architecture.md's layer table (engine/arch_test.go layers)", pkg)
			continue
		}
		if slices.Contains(allowed, "*") {
			continue
		}
		for _, imp := range fields[1:] {
			if !strings.HasPrefix(imp, mod) {
				continue
			}
			if imp = strings.TrimPrefix(imp, mod); !slices.Contains(allowed, imp) {
				t.Errorf("%s imports %s, which its layer may not (docs/architecture.md)", pkg, imp)
			}
		}
	}
}
