package store

import (
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// kvType is a record type whose body is "key=value" lines, with a merge
// rule that merges key by key: enough to test the store's side of merging
// without any real record format. A body "!final" line ranks first.
const kvType = "kvtest"

// testRules are the merge rules of the tests' record types: kvType, and
// the plain types of the other tests, which do not merge.
var testRules = MergeRules{
	kvType: {Merge: mergeKV, Rank: func(b []byte) int {
		if parseKV(b)["!final"] == "yes" {
			return 1
		}
		return 0
	}},
	"note": {}, "plain": {}, "patient": {}, "x": {}, "item": {}, "other": {}, "allergy": {}, "visit": {},
}

func parseKV(b []byte) map[string]string {
	m := map[string]string{}
	for line := range strings.SplitSeq(string(b), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			m[k] = v
		}
	}
	return m
}

func kv(m map[string]string) []byte {
	var lines []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		lines = append(lines, k+"="+m[k])
	}
	return []byte(strings.Join(lines, "\n"))
}

func mergeKV(base, a, b []byte) ([]byte, error) {
	mb, ma, mv := parseKV(base), parseKV(a), parseKV(b)
	out := map[string]string{}
	all := map[string]bool{}
	for _, m := range []map[string]string{mb, ma, mv} {
		for k := range m {
			all[k] = true
		}
	}
	for k := range all {
		vb, inB := mb[k]
		va, inA := ma[k]
		vv, inV := mv[k]
		switch {
		case inA == inV && va == vv:
		case inB == inA && vb == va:
			va, inA = vv, inV
		case inB == inV && vb == vv:
		default:
			return nil, ErrCollision
		}
		if inA {
			out[k] = va
		}
	}
	return kv(out), nil
}

// edit writes a new revision of r on s that sets the given keys ("" deletes).
func edit(t *testing.T, s *Store, r Record, set ...string) Record {
	t.Helper()
	m := parseKV(r.Body)
	for i := 0; i < len(set); i += 2 {
		if set[i+1] == "" {
			delete(m, set[i])
		} else {
			m[set[i]] = set[i+1]
		}
	}
	out, err := s.Put(kvType, r.ID, r.Rev, kv(m))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func get(t *testing.T, s *Store, id string) Record {
	t.Helper()
	r, err := s.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// allRevs lists every revision s holds, from its change feed.
func allRevs(t *testing.T, s *Store) []Change {
	t.Helper()
	cs, err := s.Changes(0, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// exchange brings every store every revision the others hold, one store
// and one revision at a time in an order drawn from rng (parents still
// first, as the server guarantees), until nothing moves. It returns how
// many rounds moved something; a merge that keeps making merges would
// never settle.
func exchange(t *testing.T, rng *rand.Rand, ss ...*Store) int {
	t.Helper()
	for round := 0; ; round++ {
		if round > 5 {
			t.Fatalf("still importing after %d rounds: merges do not settle", round)
		}
		moved := false
		for _, dst := range ss {
			var pending []WireRev
			for _, src := range ss {
				if src == dst {
					continue
				}
				for _, c := range allRevs(t, src) {
					var has bool
					dst.View(func(tx *Tx) error { has = tx.HasRev(c.RecordID, c.Rev); return nil })
					if !has {
						w := export(t, src, Record{ID: c.RecordID, Rev: c.Rev})
						pending = append(pending, w)
					}
				}
			}
			rng.Shuffle(len(pending), func(i, j int) { pending[i], pending[j] = pending[j], pending[i] })
			for len(pending) > 0 {
				var later []WireRev
				for _, w := range pending {
					err := dst.Update(func(tx *Tx) error {
						r, err := tx.ImportRev(w)
						moved = moved || r.Inserted
						return err
					})
					if errors.Is(err, ErrMissingParent) {
						later = append(later, w)
					} else if err != nil {
						t.Fatal(err)
					}
				}
				if len(later) == len(pending) {
					t.Fatal("revisions whose parents never arrive")
				}
				pending = later
			}
		}
		if !moved {
			return round
		}
	}
}

// sameEverywhere fails unless every store shows the same record and heads.
func sameEverywhere(t *testing.T, id string, ss ...*Store) Record {
	t.Helper()
	want := get(t, ss[0], id)
	wantHeads := heads(t, ss[0], id)
	for i, s := range ss[1:] {
		got := get(t, s, id)
		if got.Rev != want.Rev || string(got.Body) != string(want.Body) || got.Deleted != want.Deleted ||
			!slices.Equal(got.Conflicts, want.Conflicts) || !slices.Equal(heads(t, s, id), wantHeads) {
			t.Fatalf("replica %d shows %s %q (conflicts %v, heads %v); replica 0 shows %s %q (conflicts %v, heads %v)",
				i+1, got.Rev, got.Body, got.Conflicts, heads(t, s, id), want.Rev, want.Body, want.Conflicts, wantHeads)
		}
	}
	return want
}

func heads(t *testing.T, s *Store, id string) []string {
	t.Helper()
	var hs []Record
	if err := s.View(func(tx *Tx) (err error) { hs, err = tx.Heads(id); return err }); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, h := range hs {
		out = append(out, h.Rev)
	}
	return out
}

// everyRevReadable fails unless each store can read every revision listed.
func everyRevReadable(t *testing.T, revs map[string]string, ss ...*Store) {
	t.Helper()
	for rev, id := range revs {
		for i, s := range ss {
			if err := s.View(func(tx *Tx) error { _, err := tx.GetRev(id, rev); return err }); err != nil {
				t.Fatalf("replica %d lost revision %s: %v", i, rev, err)
			}
		}
	}
}

func threeReplicas(t *testing.T) (a, b, c *Store) {
	a, _ = newPractice(t)
	return a, twin(t, a), twin(t, a)
}

func TestMergeDisjointEditsConverge(t *testing.T) {
	a, b, c := threeReplicas(t)
	rng := rand.New(rand.NewPCG(1, 2))
	r := mustPutKV(t, a, "name=Ana", "city=Lima", "phone=1")
	exchange(t, rng, a, b, c)
	ea := edit(t, a, r, "name", "Anna")
	eb := edit(t, b, r, "city", "Cusco")
	ec := edit(t, c, r, "phone", "", "email", "x@y")
	exchange(t, rng, a, b, c)
	got := sameEverywhere(t, r.ID, a, b, c)
	if want := "city=Cusco\nemail=x@y\nname=Anna"; string(got.Body) != want || len(got.Conflicts) != 0 || len(got.Merged) != 2 {
		t.Fatalf("merged %q conflicts %v merged %v, want %q", got.Body, got.Conflicts, got.Merged, want)
	}
	// The merge is shown, not written: every revision is one somebody made.
	for _, s := range []*Store{a, b, c} {
		if h, err := s.History(r.ID); err != nil || len(h) != 4 {
			t.Fatalf("a replica holds %d revisions (%v), want the 4 that were made", len(h), err)
		}
	}
	everyRevReadable(t, map[string]string{r.Rev: r.ID, ea.Rev: r.ID, eb.Rev: r.ID, ec.Rev: r.ID}, a, b, c)
	// The next edit writes the merge: its parents are all three heads.
	e := edit(t, b, get(t, b, r.ID), "name", "Ann")
	if len(e.Parents) != 3 {
		t.Fatalf("the edit's parents are %v, want the three heads", e.Parents)
	}
	exchange(t, rng, a, b, c)
	if got := sameEverywhere(t, r.ID, a, b, c); got.Rev != e.Rev || len(heads(t, a, r.ID)) != 1 || string(got.Body) != "city=Cusco\nemail=x@y\nname=Ann" {
		t.Fatalf("after an edit: %s %q with heads %v, want the edit alone", got.Rev, got.Body, heads(t, a, r.ID))
	}
	if n := multiHeaded(t, a); n != 0 {
		t.Fatalf("%d records still listed with several heads", n)
	}
	for _, s := range []*Store{a, b, c} {
		rep, err := s.Verify()
		if err != nil || !rep.OK() {
			t.Fatalf("verify: %v %v", err, rep.Problems)
		}
	}
}

// Replicas holding the same heads show the same merge, whichever order the
// heads arrived in, and importing writes nothing of its own.
func TestMergeShownAlikeWithoutWriting(t *testing.T) {
	a, _ := newPractice(t)
	b := twin(t, a)
	r := mustPutKV(t, a, "x=1", "y=1")
	b.ImportRevs([]WireRev{export(t, a, r)})
	ea := edit(t, a, r, "x", "2")
	eb := edit(t, b, r, "y", "2")
	before := len(allRevs(t, a))
	if _, err := a.ImportRevs([]WireRev{export(t, b, eb)}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.ImportRevs([]WireRev{export(t, a, ea)}); err != nil {
		t.Fatal(err)
	}
	ma, mb := get(t, a, r.ID), get(t, b, r.ID)
	if ma.Rev != mb.Rev || string(ma.Body) != "x=2\ny=2" || string(mb.Body) != "x=2\ny=2" {
		t.Fatalf("merges %s %q and %s %q differ", ma.Rev, ma.Body, mb.Rev, mb.Body)
	}
	if n := len(allRevs(t, a)); n != before+1 {
		t.Fatalf("importing one revision added %d to the change feed", n-before)
	}
	// GetRev still gives each revision as it was written.
	a.View(func(tx *Tx) error {
		w, _ := tx.GetRev(r.ID, ma.Rev)
		if string(w.Body) == "x=2\ny=2" {
			t.Error("GetRev of the winner shows the merged body")
		}
		return nil
	})
}

func TestCollisionSameWinnerWhateverTheOrder(t *testing.T) {
	a, b, c := threeReplicas(t)
	for seed := range uint64(60) {
		rng := rand.New(rand.NewPCG(seed, 7))
		r := mustPutKV(t, a, "x=1", "y=1", "z=1")
		exchange(t, rng, a, b, c)
		revs := map[string]string{r.Rev: r.ID}
		// a and b collide on x; c changes z alone.
		for _, e := range []Record{edit(t, a, r, "x", "A"), edit(t, b, r, "x", "B", "y", "2"), edit(t, c, r, "z", "3")} {
			revs[e.Rev] = e.ID
		}
		exchange(t, rng, a, b, c)
		got := sameEverywhere(t, r.ID, a, b, c)
		if len(got.Conflicts) != 1 {
			t.Fatalf("seed %d: conflicts %v, want one losing version", seed, got.Conflicts)
		}
		body := parseKV(got.Body)
		if body["z"] != "3" || (body["x"] != "A" && body["x"] != "B") {
			t.Fatalf("seed %d: winner %q", seed, got.Body)
		}
		everyRevReadable(t, revs, a, b, c)

		// Resolving on one replica: one revision on all heads, everywhere.
		hs := heads(t, c, r.ID)
		fixed, err := resolveKV(c, r.ID, hs, "x=A\ny=2\nz=3")
		if err != nil {
			t.Fatal(err)
		}
		if len(fixed.Parents) != len(hs) {
			t.Fatalf("resolution parents %v, heads %v", fixed.Parents, hs)
		}
		exchange(t, rng, a, b, c)
		if got := sameEverywhere(t, r.ID, a, b, c); got.Rev != fixed.Rev || len(got.Conflicts) != 0 {
			t.Fatalf("seed %d: after resolving, %s conflicts %v", seed, got.Rev, got.Conflicts)
		}
		for _, s := range []*Store{a, b, c} {
			if n := multiHeaded(t, s); n != 0 {
				t.Fatalf("seed %d: %d records still listed with several heads", seed, n)
			}
		}
		everyRevReadable(t, revs, a, b, c)
	}
}

func multiHeaded(t *testing.T, s *Store) int {
	n := 0
	s.View(func(tx *Tx) error { return tx.MultiHeaded(func(string) error { n++; return nil }) })
	return n
}

func resolveKV(s *Store, id string, hs []string, body string) (r Record, err error) {
	err = s.Update(func(tx *Tx) error { r, err = tx.Resolve(id, hs, []byte(body)); return err })
	return r, err
}

func TestModificationBeatsDeletion(t *testing.T) {
	a, b, c := threeReplicas(t)
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 99))
		r := mustPutKV(t, a, "x=1")
		exchange(t, rng, a, b, c)
		del, err := a.Delete(r.ID, r.Rev, "duplicate")
		if err != nil {
			t.Fatal(err)
		}
		mod := edit(t, b, r, "x", "2")
		exchange(t, rng, a, b, c)
		got := sameEverywhere(t, r.ID, a, b, c)
		if got.Deleted || got.Rev != mod.Rev {
			t.Fatalf("seed %d: shows %+v, want the modification", seed, got)
		}
		if hs := heads(t, c, r.ID); len(hs) != 2 || hs[1] != del.Rev {
			t.Fatalf("heads %v, want the modification then the deletion", hs)
		}
		// Keeping the deletion is a tombstone on both heads.
		var tomb Record
		hs := heads(t, c, r.ID)
		if err := c.Update(func(tx *Tx) (err error) { tomb, err = tx.ResolveDelete(r.ID, hs, "duplicate, confirmed"); return err }); err != nil {
			t.Fatal(err)
		}
		exchange(t, rng, a, b, c)
		if got := sameEverywhere(t, r.ID, a, b, c); !got.Deleted || got.Rev != tomb.Rev {
			t.Fatalf("after resolving: %+v", got)
		}
		everyRevReadable(t, map[string]string{r.Rev: r.ID, del.Rev: r.ID, mod.Rev: r.ID}, a, b, c)
	}
}

// Rank puts a head first whatever its HLC (a signed note over a later
// unsigned edit).
func TestRankChoosesTheWinner(t *testing.T) {
	a, _ := newPractice(t)
	b := twin(t, a)
	r := mustPutKV(t, a, "note=draft")
	b.ImportRevs([]WireRev{export(t, a, r)})
	final := edit(t, a, r, "!final", "yes")
	later := edit(t, b, r, "note", "changed", "!final", "no")
	a.ImportRevs([]WireRev{export(t, b, later)})
	b.ImportRevs([]WireRev{export(t, a, final)})
	for _, s := range []*Store{a, b} {
		if got := get(t, s, r.ID); got.Rev != final.Rev || len(got.Conflicts) != 1 {
			t.Fatalf("shows %s %q, want the ranked head", got.Rev, got.Body)
		}
	}
}

func TestResolveRefusesStaleHeads(t *testing.T) {
	a, _ := newPractice(t)
	r := mustPutKV(t, a, "x=1")
	r2 := edit(t, a, r, "x", "2")
	if _, err := resolveKV(a, r.ID, []string{r.Rev}, "x=3"); !errors.Is(err, ErrConflict) {
		t.Fatalf("resolving on a head that is gone: %v", err)
	}
	if _, err := resolveKV(a, r.ID, []string{r2.Rev}, "x=3"); err != nil {
		t.Fatal(err)
	}
}

func TestMigrationConflictIndex(t *testing.T) {
	a, _ := newPractice(t)
	b := twin(t, a)
	r, _ := a.Put("plain", "", "", []byte("1"))
	b.ImportRevs([]WireRev{export(t, a, r)})
	ea, _ := a.Put("plain", r.ID, r.Rev, []byte("a"))
	b.Put("plain", r.ID, r.Rev, []byte("b"))
	a.ImportRevs([]WireRev{export(t, b, get(t, b, r.ID))})
	if n := multiHeaded(t, a); n != 1 {
		t.Fatalf("index lists %d records", n)
	}
	// An older store gets the index filled by the migration.
	a.db.Update(func(btx *bolt.Tx) error {
		if err := btx.DeleteBucket(bucketConflicts); err != nil {
			return err
		}
		return migrateConflictIndex(btx)
	})
	if n := multiHeaded(t, a); n != 1 {
		t.Fatalf("after migrating, index lists %d records", n)
	}
	if got := get(t, a, r.ID); len(got.Conflicts) != 1 || (got.Rev != ea.Rev && got.Conflicts[0] != ea.Rev) {
		t.Fatalf("conflict %+v", got)
	}
}

func mustPutKV(t *testing.T, s *Store, lines ...string) Record {
	t.Helper()
	r, err := s.Put(kvType, "", "", []byte(strings.Join(lines, "\n")))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// pull brings dst the revisions src holds that it lacks, in an order drawn
// from rng (parents first).
func pull(t *testing.T, rng *rand.Rand, dst, src *Store) {
	t.Helper()
	var pending []WireRev
	for _, c := range allRevs(t, src) {
		var has bool
		dst.View(func(tx *Tx) error { has = tx.HasRev(c.RecordID, c.Rev); return nil })
		if !has {
			pending = append(pending, export(t, src, Record{ID: c.RecordID, Rev: c.Rev}))
		}
	}
	rng.Shuffle(len(pending), func(i, j int) { pending[i], pending[j] = pending[j], pending[i] })
	for len(pending) > 0 {
		var later []WireRev
		for _, w := range pending {
			_, err := dst.ImportRevs([]WireRev{w})
			if errors.Is(err, ErrMissingParent) {
				later = append(later, w)
			} else if err != nil {
				t.Fatal(err)
			}
		}
		if len(later) == len(pending) {
			t.Fatal("revisions whose parents never arrive")
		}
		pending = later
	}
}

// Random schedules of edits, deletions, resolutions and partial one-way
// exchanges on three replicas: once everything is exchanged, every replica
// shows the same records, exchanges settle, and no revision is lost.
func TestMergeRandomSchedules(t *testing.T) {
	ss := []*Store{}
	a, b, c := threeReplicas(t)
	ss = append(ss, a, b, c)
	for seed := range uint64(25) {
		rng := rand.New(rand.NewPCG(seed, 2026))
		var ids []string
		made := map[string]string{}
		for range 3 {
			r := mustPutKV(t, ss[rng.IntN(3)], "a=0", "b=0", "c=0")
			ids = append(ids, r.ID)
			made[r.Rev] = r.ID
		}
		exchange(t, rng, ss...)
		for range 30 {
			s := ss[rng.IntN(3)]
			id := ids[rng.IntN(len(ids))]
			cur := get(t, s, id)
			switch op := rng.IntN(10); {
			case op < 5 && !cur.Deleted:
				k := []string{"a", "b", "c", "d"}[rng.IntN(4)]
				e := edit(t, s, cur, k, fmt.Sprint(rng.IntN(3)))
				made[e.Rev] = id
			case op == 5 && !cur.Deleted:
				d, err := s.Delete(id, cur.Rev, "test deletion")
				if err != nil {
					t.Fatal(err)
				}
				made[d.Rev] = id
			case op == 6:
				hs := heads(t, s, id)
				if len(hs) > 1 {
					r, err := resolveKV(s, id, hs, "a=r\nb=r")
					if err != nil {
						t.Fatal(err)
					}
					made[r.Rev] = id
				}
			default:
				src := ss[rng.IntN(3)]
				if src != s {
					pull(t, rng, s, src)
				}
			}
		}
		if rounds := exchange(t, rng, ss...); rounds > 1 {
			t.Fatalf("seed %d: exchanges took %d rounds to settle; importing must write nothing", seed, rounds)
		}
		for _, id := range ids {
			sameEverywhere(t, id, ss...)
		}
		everyRevReadable(t, made, ss...)
	}
	for _, s := range ss {
		rep, err := s.Verify()
		if err != nil || !rep.OK() {
			t.Fatalf("verify: %v %v", err, rep.Problems)
		}
	}
}

// A store opened without a rule for a record type does not guess a winner
// for a record of that type with concurrent revisions: it says what is
// missing. Records with one head, and the store's own types, read as
// before.
func TestNoMergeRuleNoWinner(t *testing.T) {
	a, _ := newPractice(t)
	bare := twin(t, a, WithClock(a.now)) // no merge rules at all
	partial := twin(t, a, WithMergeRules(MergeRules{"note": {}}))
	r := mustPutKV(t, a, "name=Ana", "city=Lima")
	single := mustPutKV(t, a, "name=Eve")
	rng := rand.New(rand.NewPCG(3, 4))
	exchange(t, rng, a, bare, partial)
	ea := edit(t, a, r, "name", "Anna")
	eb := edit(t, bare, r, "city", "Cusco")
	exchange(t, rng, a, bare, partial)

	if got, err := a.Get(r.ID); err != nil || len(got.Merged) != 1 {
		t.Fatalf("with the rules: %+v, %v", got, err)
	}
	for name, s := range map[string]*Store{"no rules": bare, "no rule for the type": partial} {
		if s.HasMergeRule(kvType) || !s.HasMergeRule(TypeUser) || !s.HasMergeRule(TypeKeyslot) || !s.HasMergeRule(TypePractice) {
			t.Errorf("%s: HasMergeRule wrong", name)
		}
		if _, err := s.Get(r.ID); !errors.Is(err, ErrNoMergeRule) || !strings.Contains(err.Error(), kvType) {
			t.Errorf("%s: Get = %v, want ErrNoMergeRule naming %s", name, err, kvType)
		}
		if err := s.View(func(tx *Tx) error { _, err := tx.Heads(r.ID); return err }); !errors.Is(err, ErrNoMergeRule) {
			t.Errorf("%s: Heads = %v", name, err)
		}
		if _, err := s.Put(kvType, r.ID, ea.Rev, []byte("name=X")); !errors.Is(err, ErrNoMergeRule) {
			t.Errorf("%s: Put on a head = %v", name, err)
		}
		if err := s.List(kvType, func(Record) error { return nil }); !errors.Is(err, ErrNoMergeRule) {
			t.Errorf("%s: List = %v", name, err)
		}
		if got, err := s.Get(single.ID); err != nil || string(got.Body) != "name=Eve" {
			t.Errorf("%s: a record with one head: %+v, %v", name, got, err)
		}
		// Resolving needs no rule: it names every head itself.
		if err := s.Update(func(tx *Tx) error {
			_, err := tx.Resolve(r.ID, []string{ea.Rev, eb.Rev}, []byte("name=Anna\ncity=Cusco"))
			return err
		}); err != nil {
			t.Errorf("%s: Resolve: %v", name, err)
		}
	}
	if _, err := a.Users(); err != nil {
		t.Fatal(err)
	}
}
