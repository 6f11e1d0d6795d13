package main

import (
	"testing"

	"github.com/haplay/haplay/engine/runner"
)

func TestTagsSelected(t *testing.T) {
	cases := []struct {
		tags, want, skip []string
		run              bool
	}{
		{nil, nil, nil, true},
		{[]string{"never"}, nil, nil, false},
		{[]string{"never", "debug"}, []string{"debug"}, nil, true},
		{[]string{"always"}, []string{"web"}, nil, true},
		{[]string{"always"}, nil, []string{"always"}, false},
		{[]string{"web"}, []string{"db"}, nil, false},
		{nil, []string{"untagged"}, nil, true},
		{[]string{"web"}, nil, []string{"tagged"}, false},
	}
	for _, c := range cases {
		if got := runner.TagsSelected(c.tags, c.want, c.skip); got != c.run {
			t.Errorf("tags %v, --tags %v, --skip-tags %v: %v, want %v", c.tags, c.want, c.skip, got, c.run)
		}
	}
}
