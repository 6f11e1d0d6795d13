package runner

import (
	"errors"
	"fmt"
	"reflect"
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

// Ansible's serial semantics: numbers, percentages of the play's hosts
// (at least 1), and the last list entry repeating.
func TestBatches(t *testing.T) {
	cases := []struct {
		hosts  int
		serial []any
		want   []int
	}{
		{5, nil, []int{5}},
		{5, []any{1}, []int{1, 1, 1, 1, 1}},
		{5, []any{2}, []int{2, 2, 1}},
		{10, []any{"30%"}, []int{3, 3, 3, 1}},
		{3, []any{"10%"}, []int{1, 1, 1}},
		{10, []any{1, 2, "50%"}, []int{1, 2, 5, 2}},
		{4, []any{0}, []int{4}},
		{4, []any{10}, []int{4}},
	}
	for _, c := range cases {
		bs, err := batches(hostsN(c.hosts), c.serial)
		if err != nil {
			t.Fatal(err)
		}
		var got []int
		for _, b := range bs {
			got = append(got, len(b))
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%d hosts, serial %v: batches %v, want %v", c.hosts, c.serial, got, c.want)
		}
	}
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
