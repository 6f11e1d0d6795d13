package template

// shacrypt.go: the SHA-crypt password hashes ($5$ SHA-256, $6$ SHA-512)
// written from Ulrich Drepper's specification "Unix crypt using SHA-256
// and SHA-512", which glibc's crypt(3) and Python's crypt module follow.

import (
	"crypto/md5"
	"crypto/sha256"
	"crypto/sha512"
	"hash"
	"strconv"
	"strings"
)

const cryptAlphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

type shaCryptKind struct {
	id    string
	new   func() hash.Hash
	order [][3]int // byte triples of the final digest, as the spec encodes them
	tail  [3]int   // the last group, with tailN characters
	tailN int
}

var sha512Crypt = shaCryptKind{id: "6", new: sha512.New, order: [][3]int{
	{0, 21, 42}, {22, 43, 1}, {44, 2, 23}, {3, 24, 45}, {25, 46, 4}, {47, 5, 26}, {6, 27, 48},
	{28, 49, 7}, {50, 8, 29}, {9, 30, 51}, {31, 52, 10}, {53, 11, 32}, {12, 33, 54}, {34, 55, 13},
	{56, 14, 35}, {15, 36, 57}, {37, 58, 16}, {59, 17, 38}, {18, 39, 60}, {40, 61, 19}, {62, 20, 41},
}, tail: [3]int{-1, -1, 63}, tailN: 2}

var sha256Crypt = shaCryptKind{id: "5", new: sha256.New, order: [][3]int{
	{0, 10, 20}, {21, 1, 11}, {12, 22, 2}, {3, 13, 23}, {24, 4, 14},
	{15, 25, 5}, {6, 16, 26}, {27, 7, 17}, {18, 28, 8}, {9, 19, 29},
}, tail: [3]int{-1, 31, 30}, tailN: 3}

// repeatTo is the digest's bytes repeated to n bytes (steps 11 and 16 of
// the specification).
func repeatTo(d []byte, n int) []byte {
	out := make([]byte, 0, n)
	for len(out)+len(d) <= n {
		out = append(out, d...)
	}
	return append(out, d[:n-len(out)]...)
}

// shaCrypt hashes pw with salt (at most 16 characters are used) and
// rounds; explicitRounds writes "rounds=N$" as crypt does when the salt
// string named them.
func shaCrypt(k shaCryptKind, pw, salt string, rounds int, explicitRounds bool) string {
	if len(salt) > 16 {
		salt = salt[:16]
	}
	P, S := []byte(pw), []byte(salt)
	sum := func(parts ...[]byte) []byte {
		h := k.new()
		for _, p := range parts {
			h.Write(p)
		}
		return h.Sum(nil)
	}
	B := sum(P, S, P)
	a := k.new()
	a.Write(P)
	a.Write(S)
	a.Write(repeatTo(B, len(P)))
	for n := len(P); n > 0; n >>= 1 {
		if n&1 != 0 {
			a.Write(B)
		} else {
			a.Write(P)
		}
	}
	A := a.Sum(nil)
	dp := k.new()
	for range P {
		dp.Write(P)
	}
	pBytes := repeatTo(dp.Sum(nil), len(P))
	ds := k.new()
	for i := 0; i < 16+int(A[0]); i++ {
		ds.Write(S)
	}
	sBytes := repeatTo(ds.Sum(nil), len(S))
	C := A
	for i := 0; i < rounds; i++ {
		h := k.new()
		if i%2 == 1 {
			h.Write(pBytes)
		} else {
			h.Write(C)
		}
		if i%3 != 0 {
			h.Write(sBytes)
		}
		if i%7 != 0 {
			h.Write(pBytes)
		}
		if i%2 == 1 {
			h.Write(C)
		} else {
			h.Write(pBytes)
		}
		C = h.Sum(nil)
	}
	var b strings.Builder
	b.WriteString("$" + k.id + "$")
	if explicitRounds {
		b.WriteString("rounds=" + strconv.Itoa(rounds) + "$")
	}
	b.WriteString(salt + "$")
	enc := func(t [3]int, n int) {
		var w uint32
		for i, shift := range []uint{16, 8, 0} {
			if t[i] >= 0 {
				w |= uint32(C[t[i]]) << shift
			}
		}
		for ; n > 0; n-- {
			b.WriteByte(cryptAlphabet[w&0x3f])
			w >>= 6
		}
	}
	for _, t := range k.order {
		enc(t, 4)
	}
	enc(k.tail, k.tailN)
	return b.String()
}

// md5Crypt is Poul-Henning Kamp's MD5-crypt ($1$), glibc's and Python's
// crypt for "$1$salt": 1000 rounds, a salt of at most 8 characters.
func md5Crypt(pw, salt string) string {
	if len(salt) > 8 {
		salt = salt[:8]
	}
	P, S := []byte(pw), []byte(salt)
	alt := md5.Sum(append(append(append([]byte{}, P...), S...), P...))
	h := md5.New()
	h.Write(P)
	h.Write([]byte("$1$"))
	h.Write(S)
	h.Write(repeatTo(alt[:], len(P)))
	for n := len(P); n > 0; n >>= 1 {
		if n&1 != 0 {
			h.Write([]byte{0})
		} else {
			h.Write(P[:1])
		}
	}
	C := h.Sum(nil)
	for i := 0; i < 1000; i++ {
		h := md5.New()
		if i%2 == 1 {
			h.Write(P)
		} else {
			h.Write(C)
		}
		if i%3 != 0 {
			h.Write(S)
		}
		if i%7 != 0 {
			h.Write(P)
		}
		if i%2 == 1 {
			h.Write(C)
		} else {
			h.Write(P)
		}
		C = h.Sum(nil)
	}
	var b strings.Builder
	b.WriteString("$1$" + salt + "$")
	for _, t := range [][3]int{{0, 6, 12}, {1, 7, 13}, {2, 8, 14}, {3, 9, 15}, {4, 10, 5}, {-1, -1, 11}} {
		var w uint32
		for i, shift := range []uint{16, 8, 0} {
			if t[i] >= 0 {
				w |= uint32(C[t[i]]) << shift
			}
		}
		n := 4
		if t[0] < 0 {
			n = 2
		}
		for ; n > 0; n-- {
			b.WriteByte(cryptAlphabet[w&0x3f])
			w >>= 6
		}
	}
	return b.String()
}
