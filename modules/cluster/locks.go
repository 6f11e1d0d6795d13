package cluster

import "sync"

// KeyedLocks is a set of mutexes created on first use, one per key. A
// module that must serialise work across hosts running a task in parallel
// keeps one in its struct (Builtin makes a registry per run), so there is
// no package-level state.
type KeyedLocks struct {
	mu sync.Mutex
	m  map[string]*sync.Mutex
}

// Lock locks the mutex for key and returns its unlock function.
func (k *KeyedLocks) Lock(key string) func() {
	k.mu.Lock()
	if k.m == nil {
		k.m = map[string]*sync.Mutex{}
	}
	l, ok := k.m[key]
	if !ok {
		l = &sync.Mutex{}
		k.m[key] = l
	}
	k.mu.Unlock()
	l.Lock()
	return l.Unlock
}
