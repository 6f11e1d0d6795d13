package runner

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func hostsN(n int) []string {
	var h []string
	for i := 1; i <= n; i++ {
		h = append(h, fmt.Sprintf("n%d", i))
	}
	return h
}

// The quorum guard of seed 002's table: 3 managers tolerate 1 down, 5
// tolerate 2.
func TestQuorumGuard(t *testing.T) {
	managers := hostsN(3)
	bs, _ := batches(hostsN(4), []any{2})
	err := checkQuorum("rolling", "managers", managers, bs)
	var qe *QuorumError
	if !errors.As(err, &qe) {
		t.Fatalf("serial 2 on 3 managers: err = %v, want a QuorumError", err)
	}
	if qe.Tolerates != 1 || qe.InBatch != 2 {
		t.Errorf("tolerates %d, in batch %d", qe.Tolerates, qe.InBatch)
	}
	for _, want := range []string{"->   3         2                1", "Use serial: 1"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message lacks %q:\n%s", want, err)
		}
	}
	bs, _ = batches(hostsN(4), []any{1})
	if err := checkQuorum("rolling", "managers", managers, bs); err != nil {
		t.Errorf("serial 1 on 3 managers: %v", err)
	}
	five := hostsN(5)
	bs, _ = batches(five, []any{2})
	if err := checkQuorum("rolling", "managers", five, bs); err != nil {
		t.Errorf("serial 2 on 5 managers: %v", err)
	}
	bs, _ = batches(five, []any{3})
	if err := checkQuorum("rolling", "managers", five, bs); err == nil {
		t.Errorf("serial 3 on 5 managers: accepted")
	}
}
