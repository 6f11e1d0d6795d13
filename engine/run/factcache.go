package run

import (
	"github.com/haplay/haplay/engine/factcache"
)

// factCache opens the jsonfile fact cache when ansible.cfg asks for one
// (nil otherwise) and, for --flush-cache, removes the entries of the
// inventory hosts the limits leave, as ansible-playbook does.
func (l *Loaded) factCache(limits []string) (*factcache.JSONFile, error) {
	f := l.opts.Facts
	if f.CacheDir == "" {
		return nil, nil
	}
	c, err := factcache.New(f.CacheDir, f.CachePrefix, f.CacheTimeout)
	if err != nil {
		return nil, usageErrorf("fact_caching_connection: %v", err)
	}
	if f.FlushCache {
		hosts, err := l.limitedHosts(limits)
		if err != nil {
			return nil, err
		}
		for _, h := range hosts {
			if err := c.Delete(h); err != nil {
				return nil, err
			}
		}
	}
	return c, nil
}

// limitedHosts are the inventory's hosts that every --limit pattern
// matches.
func (l *Loaded) limitedHosts(limits []string) ([]string, error) {
	q := quietInventory{l.Inventory}
	hosts, err := q.Match("all")
	if err != nil {
		return nil, err
	}
	for _, p := range limits {
		m, err := q.Match(p)
		if err != nil {
			return nil, err
		}
		keep := map[string]bool{}
		for _, h := range m {
			keep[h] = true
		}
		var out []string
		for _, h := range hosts {
			if keep[h] {
				out = append(out, h)
			}
		}
		hosts = out
	}
	return hosts, nil
}
