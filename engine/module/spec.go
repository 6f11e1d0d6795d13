package module

// Type is the type of a module argument, as in Ansible's argument specs.
type Type string

const (
	TypeStr Type = "str"
	TypeInt Type = "int"
	// TypeFloat is a number that may have a fraction (user's expires).
	TypeFloat Type = "float"
	TypeBool  Type = "bool"
	TypeList  Type = "list"
	TypeDict  Type = "dict"
	TypePath  Type = "path"
	TypeRaw   Type = "raw"
	// TypeMode is a file mode: octal ("0644", 420) or symbolic ("u=rw,g=r").
	TypeMode Type = "mode"
)

// Arg declares one module argument.
type Arg struct {
	Name     string
	Type     Type
	Elements Type // for lists
	Required bool
	Default  any
	Choices  []string
	Aliases  []string
	NoLog    bool // the value is censored in output and logs
	// Raw arguments hold expressions the module evaluates itself
	// (assert's that, debug's var): the runner hands them over untemplated.
	Raw bool
	Doc string
}

// Spec declares a module's arguments. It drives load-time validation and
// `haplay doc`.
type Spec struct {
	Short       string
	Description string
	Args        []Arg
	// FreeForm names the argument that receives a free-form string
	// ("command: ls -l" -> cmd). Empty if the module takes none.
	FreeForm string
	// Removed are arguments ansible-core has removed but still reads out
	// of a free form (command's warn, gone in 2.14): as in Ansible, a task
	// that sets one loads (with a warning) and fails when it runs.
	Removed []string
	// AnyArgs accepts arguments of any name (set_fact's variables).
	AnyArgs           bool
	MutuallyExclusive [][]string
	RequiredOneOf     [][]string
	Examples          string
	// Check, when set, validates what the flat argument types cannot
	// express (a size such as "20G", a list of mappings with their own
	// keys). Validate calls it with the coerced arguments at load time
	// (final=false) and after templating (final=true); at load time values
	// may still be templates, which Check must skip (template.IsTemplated,
	// HasTemplate).
	Check func(a Args, final bool) []ArgError
}

// Lookup finds an argument by name or alias.
func (s Spec) Lookup(name string) (Arg, bool) {
	for _, a := range s.Args {
		if a.Name == name {
			return a, true
		}
		for _, al := range a.Aliases {
			if al == name {
				return a, true
			}
		}
	}
	return Arg{}, false
}
