package template

// pyrandom.go: Python's random.Random(seed), the Mersenne Twister MT19937
// with CPython's seeding, so that random(seed=...) and shuffle(seed=...)
// pick what Ansible picks for the same seed.

import (
	"crypto/sha512"
	"fmt"
	"math/big"
	"math/bits"
)

const mtN, mtM = 624, 397

type pyRandom struct {
	mt  [mtN]uint32
	idx int
}

// newPyRandom seeds as random.seed(a, version=2): an int by its absolute
// value, a str by its UTF-8 bytes followed by their SHA-512.
func newPyRandom(seed any) (*pyRandom, error) {
	n := new(big.Int)
	switch s := seed.(type) {
	case string:
		sum := sha512.Sum512([]byte(s))
		n.SetBytes(append([]byte(s), sum[:]...))
	case bool:
		n.SetInt64(int64(boolInt(s)))
	case *big.Int:
		n.Abs(s)
	default:
		i, ok := toInt(seed)
		if f, isF := seed.(float64); isF && f == float64(int64(f)) {
			i, ok = int(f), true
		}
		if !ok {
			return nil, fmt.Errorf("a seed must be an int or a str, not %s", typeName(seed))
		}
		n.SetInt64(int64(i))
		n.Abs(n)
	}
	var key []uint32
	for _, w := range n.Bits() { // little-endian machine words
		for b := 0; b < bits.UintSize; b += 32 {
			key = append(key, uint32(uint64(w)>>b))
		}
	}
	for len(key) > 1 && key[len(key)-1] == 0 {
		key = key[:len(key)-1]
	}
	if len(key) == 0 {
		key = []uint32{0}
	}
	r := &pyRandom{}
	r.initByArray(key)
	return r, nil
}

func (r *pyRandom) initGenrand(s uint32) {
	r.mt[0] = s
	for i := 1; i < mtN; i++ {
		r.mt[i] = 1812433253*(r.mt[i-1]^(r.mt[i-1]>>30)) + uint32(i)
	}
	r.idx = mtN
}

func (r *pyRandom) initByArray(key []uint32) {
	r.initGenrand(19650218)
	i, j := 1, 0
	for k := max(mtN, len(key)); k > 0; k-- {
		r.mt[i] = (r.mt[i] ^ ((r.mt[i-1] ^ (r.mt[i-1] >> 30)) * 1664525)) + key[j] + uint32(j)
		i++
		j++
		if i >= mtN {
			r.mt[0] = r.mt[mtN-1]
			i = 1
		}
		if j >= len(key) {
			j = 0
		}
	}
	for k := mtN - 1; k > 0; k-- {
		r.mt[i] = (r.mt[i] ^ ((r.mt[i-1] ^ (r.mt[i-1] >> 30)) * 1566083941)) - uint32(i)
		i++
		if i >= mtN {
			r.mt[0] = r.mt[mtN-1]
			i = 1
		}
	}
	r.mt[0] = 0x80000000
}

func (r *pyRandom) uint32() uint32 {
	if r.idx >= mtN {
		for k := 0; k < mtN; k++ {
			y := r.mt[k]&0x80000000 | r.mt[(k+1)%mtN]&0x7fffffff
			v := r.mt[(k+mtM)%mtN] ^ (y >> 1)
			if y&1 != 0 {
				v ^= 0x9908b0df
			}
			r.mt[k] = v
		}
		r.idx = 0
	}
	y := r.mt[r.idx]
	r.idx++
	y ^= y >> 11
	y ^= (y << 7) & 0x9d2c5680
	y ^= (y << 15) & 0xefc60000
	y ^= y >> 18
	return y
}

// getrandbits(k), for k up to 64 (lists and ranges never need more).
func (r *pyRandom) getrandbits(k int) uint64 {
	if k <= 32 {
		if k == 0 {
			return 0
		}
		return uint64(r.uint32() >> (32 - k))
	}
	lo := uint64(r.uint32())
	hi := uint64(r.uint32() >> (64 - k))
	return hi<<32 | lo
}

// below is _randbelow_with_getrandbits: rejection sampling on
// n.bit_length() bits.
func (r *pyRandom) below(n int) int {
	k := bits.Len64(uint64(n))
	v := r.getrandbits(k)
	for v >= uint64(n) {
		v = r.getrandbits(k)
	}
	return int(v)
}

// randrange is Random.randrange(start, stop, step).
func (r *pyRandom) randrange(start, stop, step int) (int, error) {
	width := stop - start
	if step == 1 {
		if width > 0 {
			return start + r.below(width), nil
		}
		return 0, fmt.Errorf("empty range for randrange() (%d, %d, %d)", start, stop, width)
	}
	var n int
	switch {
	case step > 0:
		n = floorDiv(width+step-1, step)
	case step < 0:
		n = floorDiv(width+step+1, step)
	default:
		return 0, fmt.Errorf("zero step for randrange()")
	}
	if n <= 0 {
		return 0, fmt.Errorf("empty range for randrange()")
	}
	return start + step*r.below(n), nil
}

func (r *pyRandom) shuffle(l []any) {
	for i := len(l) - 1; i > 0; i-- {
		j := r.below(i + 1)
		l[i], l[j] = l[j], l[i]
	}
}

// floorDiv is Python's // on ints.
func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}
