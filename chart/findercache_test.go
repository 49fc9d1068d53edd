package chart

import (
	"maps"
	"slices"
	"testing"

	"chartkeeper/store"
)

// finderState is what a service knows of the practice's patients, and what
// a few searches find.
func finderState(t *testing.T, s *Service, queries []string) (map[string]PatientSummary, map[string][]string) {
	t.Helper()
	s.finder.mu.Lock()
	people := maps.Clone(s.finder.people)
	s.finder.mu.Unlock()
	found := map[string][]string{}
	for _, q := range queries {
		hits, err := s.Find(q, 50)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hits {
			found[q] = append(found[q], h.ID)
		}
		slices.Sort(found[q])
	}
	return people, found
}

func readFinderCache(t *testing.T, st *store.Store) []byte {
	t.Helper()
	var b []byte
	if err := st.View(func(tx *store.Tx) (err error) { b, err = tx.Cache(finderCacheName); return err }); err != nil {
		t.Fatal(err)
	}
	return b
}

func putFinderCache(t *testing.T, st *store.Store, b []byte) {
	t.Helper()
	if err := st.Update(func(tx *store.Tx) error { return tx.PutCache(finderCacheName, b) }); err != nil {
		t.Fatal(err)
	}
}

// TestFinderCache: a service opened from the finder cache, current or
// stale, knows and finds exactly what one that read every patient does.
func TestFinderCache(t *testing.T) {
	p := newPractice(t)
	a := p.patient("Testperson", "Ångström", "1961-02-03")
	p.patient("Δοκιμή", "Σοφία", "1975-06-07")
	c := p.patient("Testperson", "Angstrom", "1961-02-03")
	p.svc.Close() // writes the cache
	old := readFinderCache(t, p.st)
	if old == nil {
		t.Fatal("Close wrote no finder cache")
	}

	// Changes after the cache: a new patient, a rename, a merge.
	p.svc = mustOpen(t, p)
	if !p.svc.finder.fromCache || p.svc.finder.cacheSeen != p.svc.finder.seen {
		t.Fatalf("the service did not start from the cache (from %v at %d, seen %d)", p.svc.finder.fromCache, p.svc.finder.cacheSeen, p.svc.finder.seen)
	}
	p.patient("Проверкина", "Ольга", "1990-10-11")
	p.as(store.RoleHIM)
	a.Family = "Testrenamed"
	if _, err := p.svc.UpdatePatient(a); err != nil {
		t.Fatal(err)
	}
	if err := p.svc.MergePatients(a.ID, c.ID, "same person registered twice"); err != nil {
		t.Fatal(err)
	}
	queries := []string{"Testperson", "Testrenamed", "Ångström", "σοφια", "ольга", a.MRN, c.MRN, "1961-02-03", "+1 555"}
	wantPeople, wantFound := finderState(t, p.svc, queries)
	if len(wantFound["Testrenamed"]) != 1 || len(wantFound["Testperson"]) != 0 || len(wantFound["ольга"]) != 1 {
		t.Fatalf("the live service finds %v", wantFound)
	}
	p.svc.Close()

	for _, tc := range []struct {
		name  string
		cache []byte
		from  bool // the service should start from the cache
	}{
		{"current", readFinderCache(t, p.st), true},
		{"stale (put back from before the changes)", old, true},
		{"unknown format", []byte("CKF9 something else"), false},
		{"cut short", old[:len(old)-3], false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			putFinderCache(t, p.st, tc.cache)
			s := mustOpen(t, p)
			defer s.Close()
			if s.finder.fromCache != tc.from {
				t.Fatalf("started from the cache: %v, want %v", s.finder.fromCache, tc.from)
			}
			people, found := finderState(t, s, queries)
			if !maps.Equal(people, wantPeople) {
				t.Errorf("patients from the cache differ:\n got %v\nwant %v", people, wantPeople)
			}
			if !maps.EqualFunc(found, wantFound, slices.Equal) {
				t.Errorf("searches differ:\n got %v\nwant %v", found, wantFound)
			}
			if s.finder.merged[a.ID] == nil || !slices.Equal(s.finder.mrns[c.MRN], []string{c.ID}) {
				t.Errorf("merge lost: merged %v, MRN %s -> %s", s.finder.merged, c.MRN, s.finder.mrns[c.MRN])
			}
		})
	}
}

// TestFinderCacheCurrentAfterClose: Close leaves the cache at the store's
// last change.
func TestFinderCacheCurrentAfterClose(t *testing.T) {
	p := newPractice(t)
	p.svc.Close()
	p.svc = mustOpen(t, p)
	p.as(store.RoleHIM)
	ps := make([]Patient, 300)
	for i := range ps {
		ps[i] = Patient{Family: "Testperson", Given: "Zoë", DOB: "1980-01-01", Sex: Female}
	}
	if _, err := p.svc.ImportPatients(ps, ""); err != nil {
		t.Fatal(err)
	}
	p.svc.Close()
	seen, got, err := decodeFinderCache(readFinderCache(t, p.st))
	if err != nil || len(got) != 300 {
		t.Fatalf("cache after Close: %d patients, %v", len(got), err)
	}
	var last uint64
	p.st.View(func(tx *store.Tx) error { last = tx.LastChange(); return nil })
	if seen != last {
		t.Fatalf("cache at change %d, store at %d", seen, last)
	}
}

func mustOpen(t *testing.T, p *practice) *Service {
	t.Helper()
	s, err := Open(p.st, WithClock(p.clk.now))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func FuzzFinderCache(f *testing.F) {
	s := &Service{finder: &finder{seen: 42, people: map[string]PatientSummary{
		"a1": {ID: "a1", MRN: "12345674", Family: "Testperson", Given: "Ωμέγα", DOB: "1970-01-01", Sex: Female, Phone: "+1 555 0100", Deceased: true, DeceasedDate: "2021-03-04"},
		"b2": {ID: "b2", MRN: "76543210", Family: "Тест", Given: "Ёж", MergedInto: "a1"},
	}}}
	f.Add(s.finder.encodeFinderCache())
	f.Add([]byte(finderCacheV2))
	f.Fuzz(func(t *testing.T, b []byte) {
		seen, ps, err := decodeFinderCache(b)
		if err != nil {
			return
		}
		// Whatever decodes encodes to bytes that decode to the same.
		s := &Service{finder: &finder{seen: seen, people: map[string]PatientSummary{}}}
		for _, p := range ps {
			s.finder.people[p.ID] = p
		}
		seen2, ps2, err := decodeFinderCache(s.finder.encodeFinderCache())
		if err != nil || seen2 != seen || len(ps2) != len(s.finder.people) {
			t.Fatalf("re-encoded cache: %v, seen %d/%d, %d/%d patients", err, seen2, seen, len(ps2), len(s.finder.people))
		}
		for _, p := range ps2 {
			if s.finder.people[p.ID] != p {
				t.Fatalf("re-encoded patient %+v, was %+v", p, s.finder.people[p.ID])
			}
		}
	})
}

// TestFinderCacheRewrittenInBackground: a sign-in that replays more than
// finderCacheLag changes rewrites the cache without waiting for Close.
func TestFinderCacheRewrittenInBackground(t *testing.T) {
	defer func(lag uint64) { finderCacheLag = lag }(finderCacheLag)
	finderCacheLag = 50
	p := newPractice(t)
	p.svc.Close()
	old := readFinderCache(t, p.st)
	p.svc = mustOpen(t, p)
	p.as(store.RoleHIM)
	ps := make([]Patient, 120)
	for i := range ps {
		ps[i] = Patient{Family: "Testperson", Given: "Zoë", DOB: "1980-01-01", Sex: Female}
	}
	if _, err := p.svc.ImportPatients(ps, ""); err != nil {
		t.Fatal(err)
	}
	p.svc.Close()
	putFinderCache(t, p.st, old)
	s := mustOpen(t, p)
	defer s.Close()
	s.finder.bg.Wait()
	if _, got, err := decodeFinderCache(readFinderCache(t, p.st)); err != nil || len(got) != 120 {
		t.Fatalf("cache after a long replay: %d patients, %v; want 120", len(got), err)
	}
}

// TestFinderCacheFailedWriteRetried: a write that fails (the store locked
// under it) does not count as written: Close writes it again.
func TestFinderCacheFailedWriteRetried(t *testing.T) {
	p := newPractice(t)
	p.svc.finder.bg.Wait()
	p.patient("Testperson", "Åsa", "1950-05-05")
	p.st.Lock()
	p.svc.finder.mu.Lock()
	p.svc.finder.saveFinderCache(0, true)
	p.svc.finder.mu.Unlock()
	if p.svc.finder.cacheSeen == p.svc.finder.seen {
		t.Fatal("a failed cache write counted as written")
	}
	p.as(store.RoleFrontDesk)
	p.svc.Close()
	if _, got, err := decodeFinderCache(readFinderCache(t, p.st)); err != nil || len(got) != 1 {
		t.Fatalf("cache after Close: %d patients, %v; want 1", len(got), err)
	}
}
