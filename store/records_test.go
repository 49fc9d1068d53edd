package store

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestTombstoneAndList(t *testing.T) {
	s, _ := newPractice(t)
	var ids []string
	for i := 0; i < 5; i++ {
		r, err := s.Put("patient", "", "", []byte(fmt.Sprint(i)))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	s.Put("allergy", "", "", []byte("peanut"))
	cur, _ := s.Get(ids[2])
	if _, err := s.Delete(ids[2], cur.Rev, ""); !errors.Is(err, ErrInvalid) {
		t.Fatalf("delete without reason: %v", err)
	}
	del, err := s.Delete(ids[2], cur.Rev, "registered twice")
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ids[2])
	if err != nil || !got.Deleted || got.Reason != "registered twice" || got.Rev != del.Rev {
		t.Fatalf("tombstone = %+v, %v", got, err)
	}
	h, _ := s.History(ids[2])
	if len(h) != 2 || string(h[0].Body) != "2" {
		t.Fatalf("history after delete: %+v", h)
	}
	n := 0
	s.List("patient", func(r Record) error {
		if r.Type != "patient" || r.ID == ids[2] {
			t.Errorf("listed %+v", r)
		}
		n++
		return nil
	})
	if n != 4 {
		t.Fatalf("listed %d patients, want 4", n)
	}
	if _, err := s.Put("allergy", ids[0], "", []byte("x")); !errors.Is(err, ErrConflict) {
		t.Fatalf("creating an existing ID: %v", err)
	}
	r0, _ := s.Get(ids[0])
	if _, err := s.Put("allergy", ids[0], r0.Rev, []byte("x")); !errors.Is(err, ErrInvalid) {
		t.Fatalf("changing a record's type: %v", err)
	}
	if _, err := s.Get("no-such"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing record: %v", err)
	}
	if _, err := s.Put("patient", "bad id!", "", nil); !errors.Is(err, ErrInvalid) {
		t.Fatalf("bad ID: %v", err)
	}
}

func TestChangeFeed(t *testing.T) {
	s, _ := newPractice(t)
	start, _ := s.Changes(0, 1000)
	base := start[len(start)-1].Seq
	var revs []string
	r, _ := s.Put("note", "", "", []byte("a"))
	revs = append(revs, r.Rev)
	r, _ = s.Put("note", r.ID, r.Rev, []byte("b"))
	revs = append(revs, r.Rev)
	cs, err := s.Changes(base, 10)
	if err != nil || len(cs) != 2 || cs[0].Rev != revs[0] || cs[1].Rev != revs[1] || cs[1].Seq != base+2 {
		t.Fatalf("changes = %+v, %v", cs, err)
	}
	if cs, _ := s.Changes(base, 1); len(cs) != 1 {
		t.Fatalf("limit ignored: %d", len(cs))
	}
	if cs, _ := s.Changes(base+2, 10); len(cs) != 0 {
		t.Fatalf("nothing after the last: %d", len(cs))
	}
}

// The HLC never goes backwards, across restarts and wall-clock jumps back.
func TestHLCMonotonic(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
	s, _ := newPractice(t, WithClock(clk.now))
	a, _ := s.Put("note", "", "", nil)
	b, _ := s.Put("note", "", "", nil)
	if b.HLC <= a.HLC {
		t.Fatalf("HLC %v then %v", a.HLC, b.HLC)
	}
	clk.add(-time.Hour)
	s = reopen(t, s, WithClock(clk.now))
	if err := s.Unlock("admin", []byte(adminPass)); err != nil {
		t.Fatal(err)
	}
	c, _ := s.Put("note", "", "", nil)
	if c.HLC <= b.HLC {
		t.Fatalf("after the clock went back an hour: %v <= %v", c.HLC, b.HLC)
	}
	if s.clock.observe(makeHLC(clk.now().Add(10*time.Minute).UnixMilli(), 0)) != true {
		t.Fatal("a peer 10 minutes ahead should be reported as skewed")
	}
	if s.clock.observe(makeHLC(clk.now().Add(time.Minute).UnixMilli(), 0)) {
		t.Fatal("a peer 1 minute ahead is not skewed")
	}
	if d, _ := s.Put("note", "", "", nil); d.HLC.Time().Before(clk.now().Add(10 * time.Minute)) {
		t.Fatal("observed time not followed")
	}
}

func TestWinnerIsDeterministic(t *testing.T) {
	mk := func(gen uint32, h byte, del bool, hlc HLC) leaf {
		var r Rev
		r.Gen, r.Hash[0] = gen, h
		return leaf{Rev: r, Deleted: del, HLC: hlc}
	}
	live := mk(2, 1, false, 10)
	deleted := mk(3, 9, true, 50)
	later := mk(2, 0, false, 20)
	for _, order := range [][]leaf{{live, deleted, later}, {later, live, deleted}, {deleted, later, live}} {
		if w := order[winner(order)]; w != later {
			t.Fatalf("winner of %v = %v, want the later live edit", order, w)
		}
	}
	if w := winner([]leaf{deleted, live}); w != 1 {
		t.Fatal("modification must beat deletion")
	}
	tieA, tieB := mk(2, 1, false, 10), mk(2, 2, false, 10)
	if winner([]leaf{tieA, tieB}) != 1 || winner([]leaf{tieB, tieA}) != 0 {
		t.Fatal("ties must break on the revision, whatever the order")
	}
}

func TestCalibrateKDF(t *testing.T) {
	ms := time.Millisecond
	for _, c := range []struct {
		cost kdfCost
		want uint32
	}{
		{kdfCost{fixed: 0, pass: 10 * ms}, maxKDFTime}, // fast machine: capped
		{kdfCost{fixed: 100 * ms, pass: 20 * ms}, 7},   // (250-100)/20
		{kdfCost{fixed: 100 * ms, pass: 80 * ms}, 3},   // never below the default...
		{kdfCost{fixed: 100 * ms, pass: 400 * ms}, 3},  // ...even when three passes take over a second
		{kdfCost{fixed: 400 * ms, pass: 20 * ms}, 3},   // fixed cost alone over the target
	} {
		p := calibrateKDF(func() kdfCost { return c.cost })
		if p.Time != c.want || p.Memory != defaultKDFMemory || p.Threads != defaultKDFThreads {
			t.Errorf("%+v: %+v, want t=%d", c.cost, p, c.want)
		}
		p.Salt = make([]byte, 16)
		saved := kdfTestParams
		kdfTestParams = nil
		if err := p.check(); err != nil {
			t.Errorf("calibrated parameters below the floor: %v", err)
		}
		kdfTestParams = saved
	}
	saved := kdfTestParams
	kdfTestParams = nil
	defer func() { kdfTestParams = saved }()
	weak := KDFParams{Time: 1, Memory: 64 * 1024, Threads: 4, Salt: make([]byte, 16)}
	if err := weak.check(); err == nil {
		t.Error("t=1 accepted by a release build")
	}
	weak = KDFParams{Time: 3, Memory: 8 * 1024, Threads: 4, Salt: make([]byte, 16)}
	if err := weak.check(); err == nil {
		t.Error("8 MiB accepted by a release build")
	}
}

func TestListPrefixAndLastChange(t *testing.T) {
	s, _ := newPractice(t)
	var last uint64
	s.View(func(tx *Tx) error { last = tx.LastChange(); return nil })
	for _, id := range []string{"aaa.1", "aaa.2", "aab.1", "aa", "b.1"} {
		if _, err := s.Put("item", id, "", []byte(id)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Put("other", "aaa.3", "", []byte("x")); err != nil {
		t.Fatal(err)
	}
	r, _ := s.Get("aaa.2")
	if _, err := s.Delete("aaa.2", r.Rev, "test"); err != nil {
		t.Fatal(err)
	}
	var got []string
	err := s.View(func(tx *Tx) error {
		if n := tx.LastChange(); n != last+7 {
			t.Errorf("LastChange %d, want %d", n, last+7)
		}
		return tx.ListPrefix("item", "aaa.", func(r Record) error { got = append(got, r.ID); return nil })
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ",") != "aaa.1" {
		t.Errorf("ListPrefix = %v, want [aaa.1]", got)
	}
}

// winner is the head that [leafBeats] picks among ls, without ranks.
func winner(ls []leaf) int {
	best := 0
	for i := 1; i < len(ls); i++ {
		if leafBeats(ls[i], ls[best]) {
			best = i
		}
	}
	return best
}
