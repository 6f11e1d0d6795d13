package runner

import (
	"fmt"
	"strings"

	"github.com/haplay/haplay/engine/jinja"
)

// FactCache keeps gathered facts between runs (Ansible's fact_caching):
// an entry is what gathering returned, ansible_*-prefixed, as Ansible's
// cache plugins store it.
type FactCache interface {
	Get(host string) (map[string]any, bool, error)
	Set(host string, facts map[string]any) error
	Delete(host string) error
}

// The gathering modes of ansible.cfg's gathering setting.
const (
	GatherImplicit = "implicit" // gather unless gather_facts: false (the default)
	GatherExplicit = "explicit" // gather only where gather_facts: true
	GatherSmart    = "smart"    // as implicit, but not for hosts whose facts are gathered (this run or cached)
)

// gatheredMark is the cache key that says the facts came from gathering,
// which gathering = smart looks for.
const gatheredMark = "_ansible_facts_gathered"

// loadCached fills a new host's gathered facts from the cache. Called
// when the host's state is created, under r.mu.
func (r *run) loadCached(h *hostState) {
	if r.opts.FactCache == nil {
		return
	}
	entry, ok, err := r.opts.FactCache.Get(h.name)
	if err != nil {
		r.opts.Reporter.Warn(err.Error())
	}
	if !ok {
		return
	}
	h.cacheEntry = entry
	h.factsGathered = entry[gatheredMark] == true
	h.gathered = cachedVars(entry)
}

// cachedVars turns a cache entry into the variables gathering sets:
// ansible_facts without the prefix (ansible_local keeps it, as in
// Ansible's namespace_facts) and each fact under its own name. Facts are
// data from a host: unsafe.
func cachedVars(entry map[string]any) map[string]any {
	ns := map[string]any{}
	vars := map[string]any{}
	for k, v := range entry {
		if k == gatheredMark {
			continue
		}
		vars[k] = jinja.MarkUnsafe(v)
		if strings.HasPrefix(k, "ansible_") && k != "ansible_local" {
			ns[k[len("ansible_"):]] = v
		} else {
			ns[k] = v
		}
	}
	vars[factsKey] = jinja.MarkUnsafe(ns)
	return vars
}

// cacheGathered adds what a fact-gathering task returned to the host's
// cache entry (merged, as Ansible updates it) and writes it; implicit
// marks the entry as gathered.
func (pr *playRun) cacheGathered(host string, facts map[string]any, implicit bool) {
	hs := pr.host(host)
	pr.mu.Lock()
	if implicit {
		hs.factsGathered = true
	}
	if pr.opts.FactCache == nil {
		pr.mu.Unlock()
		return
	}
	entry := make(map[string]any, len(hs.cacheEntry)+len(facts)+1)
	for k, v := range hs.cacheEntry {
		entry[k] = v
	}
	for k, v := range facts {
		if k != factsKey {
			entry[k], _ = jinja.Unwrap(v)
		}
	}
	if implicit {
		entry[gatheredMark] = true
	}
	hs.cacheEntry = entry
	pr.mu.Unlock()
	if err := pr.opts.FactCache.Set(host, entry); err != nil {
		pr.opts.Reporter.Warn(fmt.Sprintf("could not write the fact cache: %v", err))
	}
}

// forgetFacts is meta: clear_facts: the host's facts go, from the cache
// too.
func (pr *playRun) forgetFacts(host string) {
	hs := pr.host(host)
	pr.mu.Lock()
	hs.facts = map[string]any{}
	hs.gathered = map[string]any{}
	hs.cacheEntry, hs.factsGathered = nil, false
	pr.mu.Unlock()
	if pr.opts.FactCache != nil {
		if err := pr.opts.FactCache.Delete(host); err != nil {
			pr.opts.Reporter.Warn(err.Error())
		}
	}
}

// gatherHosts are the batch's hosts the play gathers facts for, as
// Ansible's play iterator decides with the gathering setting.
func (pr *playRun) gatherHosts() []string {
	p := pr.play
	implied := p.GatherFacts == nil || *p.GatherFacts
	switch pr.opts.Gathering {
	case GatherExplicit:
		if p.GatherFacts == nil || !*p.GatherFacts {
			return nil
		}
	case GatherSmart:
		if !implied {
			return nil
		}
		var out []string
		for _, h := range pr.active(pr.batch) {
			hs := pr.host(h)
			pr.mu.Lock()
			done := hs.factsGathered
			pr.mu.Unlock()
			if !done {
				out = append(out, h)
			}
		}
		return out
	default:
		if !implied {
			return nil
		}
	}
	return pr.active(pr.batch)
}
