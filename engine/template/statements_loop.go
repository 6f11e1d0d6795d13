package template

// statements_loop.go renders {% for %}: the loop variable with Jinja's
// attributes (index, first, length, depth, previtem, cycle(), changed()),
// the "if" filter, the else branch and recursive loops.

import (
	"fmt"
	"strings"

	"github.com/haplay/haplay/engine/truth"
)

func (r *run) execFor(n forT, b *strings.Builder) error {
	v, err := r.eval(n.iter)
	if err == nil {
		v, err = strict(v)
	}
	if err != nil {
		return fmt.Errorf("in {%% for %s %%}: %w", n.statementShown, err)
	}
	return r.loopOver(n, v, 0, b)
}

// loopOver runs loop n over v at depth0 (0 outside any recursion).
func (r *run) loopOver(n forT, v any, depth0 int, b *strings.Builder) error {
	wrap := func(err error) error { return fmt.Errorf("in {%% for %s %%}: %w", n.statementShown, err) }
	items, err := iterate(v)
	if err != nil {
		return wrap(err)
	}
	outer := r.locals
	defer func() { r.locals = outer }()
	if n.cond != "" {
		if items, err = r.filterItems(n, items, outer); err != nil {
			return wrap(err)
		}
	}
	if len(items) == 0 {
		r.locals = outer
		return r.exec(n.els, b)
	}
	var last any = changedUnset{}
	for i, it := range items {
		if err := r.step(); err != nil {
			return wrap(err)
		}
		r.locals = &scope{vars: map[string]any{}, parent: outer}
		if err := r.assign(n.names, it); err != nil {
			return wrap(err)
		}
		r.locals.vars["loop"] = r.loopVar(n, items, i, depth0, &last)
		if err := r.exec(n.body, b); err != nil {
			return err
		}
	}
	return nil
}

// changedUnset is what loop.changed() compares with on its first call.
type changedUnset struct{}

// filterItems keeps the items for which the loop's "if" holds.
func (r *run) filterItems(n forT, items []any, outer *scope) ([]any, error) {
	var kept []any
	for _, it := range items {
		r.locals = &scope{vars: map[string]any{}, parent: outer}
		if err := r.assign(n.names, it); err != nil {
			return nil, err
		}
		c, err := r.eval(n.cond)
		if err == nil {
			c, err = strict(c)
		}
		if err != nil {
			return nil, err
		}
		if truth.Truthy(c) {
			kept = append(kept, it)
		}
	}
	return kept, nil
}

func (r *run) loopVar(n forT, items []any, i, depth0 int, last *any) map[string]any {
	loop := map[string]any{
		"index": i + 1, "index0": i, "first": i == 0, "last": i == len(items)-1,
		"length": len(items), "revindex": len(items) - i, "revindex0": len(items) - i - 1,
		"depth": depth0 + 1, "depth0": depth0,
	}
	if i > 0 {
		loop["previtem"] = items[i-1]
	}
	if i < len(items)-1 {
		loop["nextitem"] = items[i+1]
	}
	loop["cycle"] = funcVal(func(pos []any, _ kwargs) (any, error) {
		if len(pos) == 0 {
			return nil, fmt.Errorf("no items for cycling given")
		}
		return pos[i%len(pos)], nil
	})
	loop["changed"] = funcVal(func(pos []any, _ kwargs) (any, error) {
		var v any = pos
		if _, first := (*last).(changedUnset); first || !equal(*last, v) {
			*last = v
			return true, nil
		}
		return false, nil
	})
	if n.recursive {
		loop[loopCallKey] = funcVal(func(pos []any, _ kwargs) (any, error) {
			if len(pos) != 1 {
				return nil, fmt.Errorf("loop() takes one argument, the items to loop over")
			}
			if err := r.enter(); err != nil {
				return nil, err
			}
			defer r.leave()
			var sb strings.Builder
			err := r.loopOver(n, pos[0], depth0+1, &sb)
			return sb.String(), err
		})
	}
	return loop
}
