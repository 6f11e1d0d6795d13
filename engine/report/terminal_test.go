package report

import (
	"strings"
	"testing"
)

func TestPromptRefused(t *testing.T) {
	tests := []struct {
		ci   string
		tty  bool
		want string
	}{
		{"true", true, "CI=true"},
		{"", false, "not a terminal"},
		{"false", true, ""},
		{"", true, ""},
	}
	for _, tt := range tests {
		got := promptRefused(tt.ci, tt.tty)
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("CI=%q tty=%v: %q, want %q", tt.ci, tt.tty, got, tt.want)
		}
	}
}
