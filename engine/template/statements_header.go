package template

// statements_header.go reads the "#jinja2:" first line with which a
// template file overrides its environment (Ansible's JINJA2_OVERRIDE),
// and assigns to namespace attributes.

import (
	"fmt"
	"strings"
)

// fileHeader applies a "#jinja2: key: value, ..." first line to opts and
// returns the text without it. Values are Python literals, as Ansible
// reads them with ast.literal_eval.
func fileHeader(text string, opts FileOptions) (string, FileOptions, error) {
	const prefix = "#jinja2:"
	if !strings.HasPrefix(text, prefix) {
		return text, opts, nil
	}
	eol := strings.IndexByte(text, '\n')
	line, rest := text[len(prefix):], ""
	if eol >= 0 {
		line, rest = text[len(prefix):eol], text[eol+1:]
	} else {
		// Ansible's data.find('\n') is -1 here: the header is all but
		// the last character, and the whole text is still rendered.
		line, rest = text[len(prefix):max(len(prefix), len(text)-1)], text
	}
	for _, pair := range strings.Split(line, ",") {
		key, val, ok := strings.Cut(pair, ":")
		if !ok {
			return "", opts, fmt.Errorf("line 1: failed to parse jinja2 override '%s'. Did you use something different from colon as key-value separator?", strings.TrimSpace(pair))
		}
		key, val = strings.TrimSpace(key), strings.TrimSpace(val)
		if err := setOverride(&opts, key, val); err != nil {
			return "", opts, fmt.Errorf("line 1: #jinja2 override %s: %w", key, err)
		}
	}
	return rest, opts, nil
}

func setOverride(opts *FileOptions, key, val string) error {
	switch key {
	case "trim_blocks", "lstrip_blocks":
		var b bool
		switch val {
		case "True":
			b = true
		case "False":
		default:
			return fmt.Errorf("expected True or False, got %s", val)
		}
		if key == "trim_blocks" {
			opts.TrimBlocks = b
		} else {
			opts.LstripBlocks = b
		}
		return nil
	case "keep_trailing_newline":
		switch val {
		case "True":
			opts.KeepTrailingNewline = true
		case "False":
			opts.KeepTrailingNewline = false
		default:
			return fmt.Errorf("expected True or False, got %s", val)
		}
		return nil
	case "variable_start_string", "variable_end_string", "block_start_string", "block_end_string",
		"comment_start_string", "comment_end_string":
		s, err := pyStringLiteral(val)
		if err != nil {
			return err
		}
		if s == "" {
			return fmt.Errorf("must not be empty")
		}
		d := &opts.Delims
		*map[string]*string{"variable_start_string": &d.VarStart, "variable_end_string": &d.VarEnd,
			"block_start_string": &d.BlockStart, "block_end_string": &d.BlockEnd,
			"comment_start_string": &d.CommentStart, "comment_end_string": &d.CommentEnd}[key] = s
		return nil
	case "newline_sequence":
		s, err := pyStringLiteral(val)
		if err != nil {
			return err
		}
		if s != "\n" && s != "\r\n" && s != "\r" {
			return fmt.Errorf("must be '\\n', '\\r\\n' or '\\r', got %s", val)
		}
		opts.NewlineSequence = s
		return nil
	}
	return fmt.Errorf("not supported by haplay (trim_blocks, lstrip_blocks, keep_trailing_newline, newline_sequence and the *_start_string/*_end_string delimiters are)")
}

// pyStringLiteral reads a quoted Python string literal.
func pyStringLiteral(val string) (string, error) {
	toks, err := lex(val)
	if err != nil || len(toks) != 2 || toks[0].kind != tString {
		return "", fmt.Errorf("expected a quoted string, got %s", val)
	}
	return toks[0].val, nil
}

// setAttr is {% set obj.attr = v %}, allowed on a namespace only.
func (r *run) setAttr(obj, attr string, v any) error {
	cur, ok, err := r.lookup(obj)
	if err != nil {
		return err
	}
	ns, isNS := cur.(namespace)
	if !ok || !isNS {
		return fmt.Errorf("cannot assign attribute on non-namespace object")
	}
	ns[attr] = v
	return nil
}
