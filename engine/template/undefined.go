package template

import "fmt"

// Undefined is the value of a variable or attribute that does not exist.
// It only ever reaches code that asked to tolerate it (default, mandatory,
// `is defined`); everywhere else the lookup fails with an UndefinedError,
// which mirrors Ansible's StrictUndefined.
type Undefined struct {
	Name string
}

// UndefinedError reports a read of a variable or attribute that does not
// exist. Callers add the host and the task's file:line.
type UndefinedError struct {
	Name string
}

func (e *UndefinedError) Error() string { return "undefined variable: " + e.Name }

// RecursionError reports a variable whose value refers back to itself.
type RecursionError struct {
	Chain []string
}

func (e *RecursionError) Error() string {
	s := ""
	for i, n := range e.Chain {
		if i > 0 {
			s += " -> "
		}
		s += n
	}
	return "recursive loop detected in template: " + s
}

// strict turns an Undefined that reached a place needing a real value into
// an error.
func strict(v any) (any, error) {
	if u, ok := v.(Undefined); ok {
		return nil, &UndefinedError{Name: u.Name}
	}
	return v, nil
}

func isUndefined(v any) bool {
	_, ok := v.(Undefined)
	return ok
}

func (u Undefined) String() string { return fmt.Sprintf("Undefined(%s)", u.Name) }
