package template

// filters_random.go: Ansible's random and shuffle filters. Without a seed
// they draw from crypto/rand (Ansible: SystemRandom); with one, from
// Python's Mersenne Twister seeded the same way, so the same seed picks
// the same item or order as under Ansible.

import (
	crand "crypto/rand"
	"encoding/binary"
	"errors"
	"slices"

	"github.com/haplay/haplay/engine/truth"
)

func randomFilters() map[string]filterFunc {
	return map[string]filterFunc{"random": fRandom, "shuffle": fShuffle}
}

// systemRandom is a pyRandom seeded from the system's randomness.
func systemRandom() (*pyRandom, error) {
	var b [8]byte
	if _, err := crand.Read(b[:]); err != nil {
		return nil, err
	}
	return newPyRandom(int(binary.LittleEndian.Uint64(b[:]) >> 2))
}

func seeded(seed any) (*pyRandom, error) {
	if seed == nil {
		return systemRandom()
	}
	return newPyRandom(seed)
}

// fRandom is random(end, start=None, step=None, seed=None): a number of
// range(start, end, step) for an int, else an item of the sequence.
func fRandom(r *run, in any, args []any, kw kwargs) (any, error) {
	if _, err := strict(in); err != nil {
		return nil, err
	}
	start := argOr(args, kw, 0, "start", nil)
	step := argOr(args, kw, 1, "step", nil)
	rnd, err := seeded(argOr(args, kw, 2, "seed", nil))
	if err != nil {
		return nil, err
	}
	if end, ok := toInt(in); ok {
		s, _ := toInt(start)
		st, _ := toInt(step)
		if st == 0 {
			st = 1
		}
		return rnd.randrange(s, end, st)
	}
	if _, isMap := asMap(in); isMap {
		// Python's choice indexes the dict by position: a KeyError.
		return nil, errors.New("random cannot choose from a dict (Ansible fails with a KeyError)")
	}
	if _, isBool := in.(bool); isBool {
		return nil, errors.New("random can only be used on sequences and integers")
	}
	l, err := iterate(in)
	if err != nil {
		return nil, errors.New("random can only be used on sequences and integers")
	}
	if truth.Truthy(start) || truth.Truthy(step) {
		return nil, errors.New("start and step can only be used with integer values")
	}
	if len(l) == 0 {
		return nil, errors.New("Cannot choose from an empty sequence")
	}
	return l[rnd.below(len(l))], nil
}

// fShuffle is shuffle(seed=None); as in Ansible, a value that cannot be
// listed comes back unchanged.
func fShuffle(r *run, in any, args []any, kw kwargs) (any, error) {
	if _, err := strict(in); err != nil {
		return nil, err
	}
	l, err := iterate(in)
	if err != nil {
		return in, nil
	}
	l = slices.Clone(l)
	seed := argOr(args, kw, 0, "seed", nil)
	if !truth.Truthy(seed) {
		seed = nil
	}
	rnd, err := seeded(seed)
	if err != nil {
		return nil, err
	}
	rnd.shuffle(l)
	return l, nil
}
