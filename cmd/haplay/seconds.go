package main

import (
	"fmt"
	"strconv"
	"time"
)

// secondsValue is a flag holding a duration given as ansible-playbook
// gives it, in whole seconds (-T 30), or as a Go duration (-T 1m30s).
type secondsValue struct{ d *time.Duration }

func (v secondsValue) String() string {
	if v.d == nil {
		return ""
	}
	if *v.d%time.Second == 0 {
		return strconv.FormatInt(int64(*v.d/time.Second), 10)
	}
	return v.d.String()
}

func (v secondsValue) Set(s string) error {
	if n, err := strconv.Atoi(s); err == nil {
		if n <= 0 {
			return fmt.Errorf("%q: want a positive number of seconds", s)
		}
		*v.d = time.Duration(n) * time.Second
		return nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return fmt.Errorf("%q: want seconds (30) or a duration (1m30s)", s)
	}
	*v.d = d
	return nil
}

func (v secondsValue) Type() string { return "seconds" }
