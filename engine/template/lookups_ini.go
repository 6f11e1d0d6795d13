package template

// lookups_ini.go holds the ini and csvfile lookups: values read from INI
// (Python configparser's syntax, with its %(name)s interpolation), Java
// properties and CSV files found as lookups find files.

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/haplay/haplay/engine/pyfmt"
	"github.com/haplay/haplay/engine/truth"
)

// iniFile is a parsed configparser file: sections of ordered options.
type iniFile struct {
	sections map[string]*iniSection
	defaults *iniSection
}

type iniSection struct {
	keys []string
	vals map[string]*string // nil: an option without a value
}

func newINISection() *iniSection { return &iniSection{vals: map[string]*string{}} }

var iniHeader = regexp.MustCompile(`^\[([^\]]+)\]`)

// parseINI reads text as configparser does with its defaults (strict,
// '=' and ':' delimiters, '#' and ';' comment lines, indented
// continuation lines); caseSensitive keeps option names as written.
func parseINI(text string, caseSensitive, allowNoValue bool) (*iniFile, error) {
	f := &iniFile{sections: map[string]*iniSection{}, defaults: newINISection()}
	var cur *iniSection
	var last *string
	for i, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || trimmed[0] == '#' || trimmed[0] == ';' {
			last = nil
			continue
		}
		if last != nil && (line[0] == ' ' || line[0] == '\t') {
			*last += "\n" + trimmed
			continue
		}
		last = nil
		if m := iniHeader.FindStringSubmatch(trimmed); m != nil {
			if m[1] == "DEFAULT" {
				cur = f.defaults
				continue
			}
			if _, dup := f.sections[m[1]]; dup {
				return nil, fmt.Errorf("line %d: section %q already exists", i+1, m[1])
			}
			cur = newINISection()
			f.sections[m[1]] = cur
			continue
		}
		if cur == nil {
			return nil, fmt.Errorf("line %d: file contains no section headers: %q", i+1, line)
		}
		key, val, hasVal := cutINI(trimmed)
		if !caseSensitive {
			key = strings.ToLower(key)
		}
		if !hasVal && !allowNoValue {
			return nil, fmt.Errorf("line %d: source contains parsing errors: %q", i+1, line)
		}
		if _, dup := cur.vals[key]; dup {
			return nil, fmt.Errorf("line %d: option %q already exists in its section", i+1, key)
		}
		cur.keys = append(cur.keys, key)
		if hasVal {
			v := val
			cur.vals[key] = &v
			last = &v
			cur.vals[key] = last
		} else {
			cur.vals[key] = nil
		}
	}
	return f, nil
}

// cutINI splits "key = value" or "key: value" at the first delimiter.
func cutINI(s string) (key, val string, ok bool) {
	i := strings.IndexAny(s, "=:")
	if i < 0 {
		return strings.TrimSpace(s), "", false
	}
	return strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+1:]), true
}

// get is configparser's get with basic interpolation; ok is false when
// the option is in neither the section nor DEFAULT.
func (f *iniFile) get(sec *iniSection, key string, depth int) (*string, bool, error) {
	v, ok := sec.vals[key]
	if !ok {
		v, ok = f.defaults.vals[key]
	}
	if !ok || v == nil {
		return nil, ok, nil
	}
	s, err := f.interpolate(sec, *v, depth)
	return &s, true, err
}

var iniRef = regexp.MustCompile(`^%\(([^)]+)\)s`)

func (f *iniFile) interpolate(sec *iniSection, s string, depth int) (string, error) {
	if depth > 10 {
		return "", errors.New("interpolation too deeply recursive")
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '%')
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		b.WriteString(s[:i])
		s = s[i:]
		if strings.HasPrefix(s, "%%") {
			b.WriteByte('%')
			s = s[2:]
			continue
		}
		m := iniRef.FindStringSubmatch(s)
		if m == nil {
			return "", fmt.Errorf("'%%' must be followed by '%%' or '(', found: %q", s)
		}
		v, ok, err := f.get(sec, strings.ToLower(m[1]), depth+1)
		if err != nil {
			return "", err
		}
		if !ok || v == nil {
			return "", fmt.Errorf("bad interpolation variable reference %q", m[0])
		}
		b.WriteString(*v)
		s = s[len(m[0]):]
	}
}

// iniParams are the ini lookup's options.
type iniParams map[string]string

var iniOptions = []string{"file", "section", "re", "encoding", "default", "case_sensitive", "allow_no_value", "allow_none", "type"}

// iniTerm reads a term "key opt=value ..." into the key and options; as
// in Ansible, words after an option without "=" join its value.
func iniTerm(term string, p iniParams) (string, error) {
	if !strings.Contains(term, "=") && !strings.Contains(strings.TrimSpace(term), " ") {
		return term, nil
	}
	key, cur := "", ""
	for i, w := range strings.Fields(term) {
		if name, val, ok := strings.Cut(w, "="); ok {
			if _, known := p[name]; !known {
				return "", fmt.Errorf("%s is not a valid option", name)
			}
			p[name], cur = val, name
			continue
		}
		switch {
		case cur != "":
			p[cur] += " " + w
		case i == 0:
			key = w
		}
	}
	if key == "" {
		return "", fmt.Errorf("No key to lookup was provided as first term with in string inline options: %s", term)
	}
	return key, nil
}

func lookupINI(r *run, terms []any, kw kwargs) ([]any, error) {
	p := iniParams{"file": "ansible.ini", "section": "global", "re": "False", "encoding": "utf-8", "default": "",
		"case_sensitive": "False", "allow_no_value": "False", "allow_none": "False", "type": "ini"}
	for k, v := range kw {
		if _, ok := p[k]; !ok {
			return nil, fmt.Errorf("%s is not a valid option (use %s)", k, strings.Join(iniOptions, ", "))
		}
		p[k] = pyfmt.Str(v)
	}
	terms2, err := termStrings("ini", terms)
	if err != nil {
		return nil, err
	}
	var out []any
	for _, term := range terms2 {
		key, err := iniTerm(term, p)
		if err != nil {
			return nil, err
		}
		vals, err := r.iniValues(key, p)
		if err != nil {
			return nil, err
		}
		out = append(out, vals...)
	}
	return out, nil
}

func (r *run) iniValues(key string, p iniParams) ([]any, error) {
	path, err := r.mustFindFile("files", p["file"])
	if err != nil {
		return nil, err
	}
	data, err := r.readFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p["file"], err)
	}
	text := string(data)
	section := p["section"]
	if p["type"] == "properties" {
		text, section = "[java_properties]\n"+text, "java_properties"
	}
	cs := optBool(p["case_sensitive"])
	f, err := parseINI(text, cs, optBool(p["allow_no_value"]) || optBool(p["allow_none"]))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p["file"], err)
	}
	sec, ok := f.sections[section]
	if !ok {
		return nil, fmt.Errorf("No section '%s' in %s", section, p["file"])
	}
	if optBool(p["re"]) {
		re, err := regexp.Compile(key)
		if err != nil {
			return nil, fmt.Errorf("bad regular expression %q: %w", key, err)
		}
		var out []any
		for _, k := range append(append([]string{}, sec.keys...), f.defaults.keys...) {
			if loc := re.FindStringIndex(k); loc != nil && loc[0] == 0 {
				v, _, err := f.get(sec, k, 0)
				if err != nil {
					return nil, err
				}
				out = append(out, optString(v))
			}
		}
		return out, nil
	}
	if !cs {
		key = strings.ToLower(key)
	}
	v, ok, err := f.get(sec, key, 0)
	if err != nil {
		return nil, err
	}
	if !ok {
		return []any{p["default"]}, nil
	}
	return []any{optString(v)}, nil
}

// optBool reads a boolean option as Ansible's boolean(); what is not one
// is false.
func optBool(s string) bool {
	b, _ := truth.Boolean(s)
	return b
}

func optString(v *string) any {
	if v == nil {
		return nil
	}
	return *v
}

func lookupCSVFile(r *run, terms []any, kw kwargs) ([]any, error) {
	p := map[string]any{"file": "ansible.csv", "col": "1", "delimiter": "TAB", "default": nil, "encoding": "utf-8"}
	for k, v := range kw {
		if _, ok := p[k]; !ok {
			return nil, fmt.Errorf("%s is not a valid option", k)
		}
		p[k] = v
	}
	names, err := termStrings("csvfile", terms)
	if err != nil {
		return nil, err
	}
	var out []any
	for _, term := range names {
		key, kv := parseKV(term)
		if key == "" {
			return nil, errors.New("Search key is required but was not found")
		}
		for k, v := range kv {
			if _, ok := p[k]; !ok {
				return nil, fmt.Errorf("%s is not a valid option", k)
			}
			p[k] = v
		}
		v, err := r.readCSV(key, p)
		if err != nil {
			return nil, err
		}
		if v != nil {
			out = append(out, v)
		}
	}
	return out, nil
}

func (r *run) readCSV(key string, p map[string]any) (any, error) {
	name := pyfmt.Str(p["file"])
	path, err := r.mustFindFile("files", name)
	if err != nil {
		return nil, err
	}
	delim := pyfmt.Str(p["delimiter"])
	if delim == "TAB" || delim == `\t` {
		delim = "\t"
	}
	if utf8.RuneCountInString(delim) != 1 {
		return nil, fmt.Errorf(`csvfile: "delimiter" must be a 1-character string, got %q`, delim)
	}
	col, err := strconv.Atoi(pyfmt.Str(p["col"]))
	if err != nil {
		return nil, fmt.Errorf("csvfile: col %q is not an integer", pyfmt.Str(p["col"]))
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("csvfile: %w", err)
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma, _ = utf8.DecodeRuneInString(delim)
	cr.FieldsPerRecord, cr.LazyQuotes = -1, true
	for {
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return p["default"], nil
		}
		if err != nil {
			return nil, fmt.Errorf("csvfile: %s: %w", name, err)
		}
		if len(row) > 0 && row[0] == key {
			if col < 0 {
				col += len(row)
			}
			if col < 0 || col >= len(row) {
				return nil, errors.New("csvfile: list index out of range")
			}
			return row[col], nil
		}
	}
}
