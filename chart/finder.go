package chart

import (
	"errors"
	"maps"
	"runtime"
	"slices"
	"sync"

	"chartkeeper/chart/search"
	"chartkeeper/store"
)

// finder is every patient of the practice in memory: the search index, each
// patient's list line, MRNs and merges, as of one position of the store's
// change feed. It has its own lock, so searching never waits for the
// Service's other work, and it follows the change feed ([finder.refresh]),
// whoever wrote to the store: this service, sync or another program. Its
// cache in the store (findercache.go) makes signing in fast.
type finder struct {
	st      *store.Store
	onGrant func(store.Record) // break-glass records seen on the change feed; called with mu held

	mu     sync.Mutex
	idx    *search.Index             // nil once closed
	seen   uint64                    // the change feed position idx reflects
	people map[string]PatientSummary // every live patient, merged ones included
	mrns   map[string][]string       // MRN -> patient IDs (two or more after a collision: mrn.go), merged ones included
	merged map[string][]string       // survivor ID -> IDs merged into it

	// the finder cache (findercache.go)
	cacheSeen uint64         // the change feed position it was written at
	cached    bool           // cacheSeen is set
	triedAt   uint64         // the position of the last write attempted
	tried     bool           // triedAt is set
	saving    bool           // a background write is under way
	fromCache bool           // load started from the cache
	bg        sync.WaitGroup // background writes
}

func newFinder(st *store.Store, onGrant func(store.Record)) *finder {
	return &finder{st: st, onGrant: onGrant}
}

// close brings the finder cache up to date, for a fast next sign-in, and
// forgets every patient.
func (f *finder) close() {
	f.bg.Wait()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.idx != nil {
		f.saveFinderCache(0, true)
	}
	f.idx, f.people, f.mrns, f.merged = nil, nil, nil, nil
}

// refresh brings the finder up to date with the change feed.
func (f *finder) refresh() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.refreshLocked()
}

// read brings the finder up to date and calls fn with f.mu held: fn reads
// the finder's maps and index, and does nothing slow.
func (f *finder) read(fn func()) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.refreshLocked(); err != nil {
		return err
	}
	fn()
	return nil
}

// peek calls fn with f.mu held, without reading the change feed first.
func (f *finder) peek(fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn()
}

// summary is the list line of one patient as the finder has it.
func (f *finder) summary(id string) (PatientSummary, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.people[id]
	return p, ok
}

// newMRN is an MRN that no patient the finder knows carries. The caller
// holds f.mu.
func (f *finder) newMRN() string {
	for {
		if mrn := newMRN(); !f.mrnTaken(mrn) {
			return mrn
		}
	}
}

// mrnTaken reports whether a patient the finder knows carries mrn, merged
// ones included. The caller holds f.mu.
func (f *finder) mrnTaken(mrn string) bool {
	_, taken := f.mrns[mrn]
	return taken
}

// survivors maps patient IDs to the patients they are now (following
// merges), without repeats. The caller holds f.mu.
func (f *finder) survivors(ids []string) []string {
	var out []string
	for _, id := range ids {
		p, ok := f.people[id]
		for ok && p.MergedInto != "" {
			p, ok = f.people[p.MergedInto]
		}
		if ok && !slices.Contains(out, p.ID) {
			out = append(out, p.ID)
		}
	}
	return out
}

// mergedAll lists every patient merged into id, directly or through a chain.
// The caller holds f.mu.
func (f *finder) mergedAll(id string) []string {
	var out []string
	for _, m := range f.merged[id] {
		out = append(out, m)
		out = append(out, f.mergedAll(m)...)
	}
	return out
}

// load fills the finder from its cache and the changes since, or else reads
// every patient, and notes the feed position.
func (f *finder) load() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.idx = search.New()
	f.people = map[string]PatientSummary{}
	f.mrns = map[string][]string{}
	f.merged = map[string][]string{}
	if ok, err := f.loadFinderCache(); err != nil {
		return err
	} else if ok {
		return f.refreshLocked()
	}
	// The feed position is read first: whatever is written after it is
	// replayed by refresh, so the readers below may each see a later state.
	err := f.st.View(func(tx *store.Tx) error { f.seen = tx.LastChange(); return nil })
	if err != nil {
		return err
	}
	// Decrypting and decoding is nearly all the work at 100,000 patients:
	// patient IDs are random hex, so each worker reads the IDs under some of
	// the 16 first digits, in its own read transaction.
	prefixes := make(chan string, 16)
	for _, c := range "0123456789abcdef" {
		prefixes <- string(c)
	}
	close(prefixes)
	workers := max(1, min(runtime.GOMAXPROCS(0), 8))
	parts := make([][]Patient, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			errs[w] = f.st.View(func(tx *store.Tx) error {
				for prefix := range prefixes {
					err := tx.ListPrefix(TypePatient, prefix, func(r store.Record) error {
						p, err := decodePatient(r)
						parts[w] = append(parts[w], p)
						return err
					})
					if err != nil {
						return err
					}
				}
				return nil
			})
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	ps := slices.Concat(parts...)
	entries := make([]search.Entry, 0, len(ps))
	for _, p := range ps {
		f.people[p.ID] = p.Summary()
		f.mrns[p.MRN] = append(f.mrns[p.MRN], p.ID)
		if p.MergedInto != "" {
			f.merged[p.MergedInto] = append(f.merged[p.MergedInto], p.ID)
			continue
		}
		entries = append(entries, p.Summary().entry())
	}
	f.idx.Build(entries)
	f.saveFinderCache(finderCacheLag, false)
	return nil
}

// refresh brings the finder up to date with the change feed: edits made by
// this service, by sync or by anything else that wrote to the store.
// The caller holds f.mu.
func (f *finder) refreshLocked() error {
	if f.idx == nil {
		return errors.New("chart: the service was closed")
	}
	pending := map[string]search.Entry{} // finder entries to put, applied at the end
	for {
		var changes []store.Change
		var recs []store.Record
		newer := false
		err := f.st.View(func(tx *store.Tx) error {
			var err error
			if changes, err = tx.Changes(f.seen, 1000); err != nil {
				return err
			}
			for i, c := range changes {
				r, err := tx.Get(c.RecordID)
				if ke := (*store.KeyError)(nil); errors.As(err, &ke) && ke.Newer {
					// Sealed under a newer epoch than the session holds
					// (a rotation elsewhere, whose grant the session
					// takes when sync brings its user's record): the
					// finder stops before it and reads it again later.
					changes, newer = changes[:i], true
					return nil
				}
				if errors.Is(err, store.ErrNoKey) {
					continue // a clinical record: not the finder's, and not this user's to open
				}
				if err != nil {
					return err
				}
				switch r.Type {
				case TypePatient:
					recs = append(recs, r)
				case TypeBreakGlass:
					if tx.CheckSigned(r) == nil {
						f.onGrant(r) // granted on another workstation, or here
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, r := range recs {
			delete(pending, r.ID)
			if e, ok := f.notePatient(r); ok {
				pending[r.ID] = e
			}
		}
		if len(changes) == 0 {
			break
		}
		f.seen = changes[len(changes)-1].Seq
		if newer {
			break
		}
	}
	if len(pending) > 64 && len(pending) > f.idx.Len() {
		// a bulk import or a first sync into a small finder: Build costs
		// about as much as the whole index, Put costs per entry
		f.idx.Build(slices.Collect(maps.Values(pending)))
	} else {
		for _, e := range pending {
			f.idx.Put(e)
		}
	}
	f.saveFinderCache(finderCacheLag, false)
	return nil
}

// notePatient records the current revision of a patient in the finder's
// maps and takes it out of the finder when it is gone or merged; it returns
// the finder entry to put when the patient should be found.
func (f *finder) notePatient(r store.Record) (search.Entry, bool) {
	if old, ok := f.people[r.ID]; ok {
		if old.MergedInto != "" {
			f.merged[old.MergedInto] = remove(f.merged[old.MergedInto], r.ID)
		}
		if ids := remove(f.mrns[old.MRN], r.ID); len(ids) > 0 {
			f.mrns[old.MRN] = ids
		} else {
			delete(f.mrns, old.MRN)
		}
	}
	if r.Deleted {
		delete(f.people, r.ID)
		f.idx.Remove(r.ID)
		return search.Entry{}, false
	}
	p, err := decodePatient(r)
	if err != nil {
		return search.Entry{}, false // Verify reports damage; the finder skips it
	}
	f.people[p.ID] = p.Summary()
	f.mrns[p.MRN] = append(f.mrns[p.MRN], p.ID)
	if p.MergedInto != "" {
		f.merged[p.MergedInto] = append(f.merged[p.MergedInto], p.ID)
		f.idx.Remove(p.ID)
		return search.Entry{}, false
	}
	return p.Summary().entry(), true
}

func remove(list []string, id string) []string {
	out := list[:0]
	for _, x := range list {
		if x != id {
			out = append(out, x)
		}
	}
	return out
}
