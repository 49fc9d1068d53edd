package chart

import (
	"encoding/binary"
	"errors"
	"testing"
	"time"

	"chartkeeper/store"
)

// result saves a laboratory result for pt as the clinician.
func (p *practice) result(pt Patient, name, loinc, value, low, high string) Result {
	p.t.Helper()
	p.as(store.RoleClinician)
	r := Result{Meta: Meta{Patient: pt.ID}, Taken: p.clk.now().Add(-time.Hour), Category: "laboratory", Name: name,
		Codings: []Coding{{System: SystemLOINC, Code: loinc, Display: name}}, Value: value, Unit: "mg/dL", Low: low, High: high}
	if err := p.svc.Save(&r); err != nil {
		p.t.Fatal(err)
	}
	return r
}

// TestNewResults: the clinician's home lists the results filed to their
// patients since they last signed in, flagged ones first, until they look
// at the patient's results; the list survives the home cache, and a cache
// of the format before results is rebuilt rather than misread.
func TestNewResults(t *testing.T) {
	p := newPractice(t)
	day := 24 * time.Hour
	pt := p.patient("Laborwert", "Ilse", "1958-03-04")
	other := p.patient("Fremd", "Ødegård", "1966-06-06")
	p.visit(pt, "2026-05-13")
	p.result(pt, "Glucose", "2345-7", "90", "70", "99") // before the sign-in: never listed

	s := p.as(store.RoleClinician)
	if _, err := s.MarkSignIn(); err != nil {
		t.Fatal(err)
	}
	p.clk.add(day)
	normal := p.result(pt, "Cholesterol", "2093-3", "180", "", "200")
	p.clk.add(time.Minute)
	high := p.result(pt, "Hemoglobin A1c", "4548-4", "8.1", "4", "5.6")
	p.clk.add(time.Minute)
	p.result(other, "Glucose", "2345-7", "150", "70", "99") // not a patient of the clinician's
	p.clk.add(time.Hour)
	prev, err := p.as(store.RoleClinician).MarkSignIn()
	if err != nil {
		t.Fatal(err)
	}
	want := func(when string, wantN int, ids ...string) {
		t.Helper()
		n, got, err := p.as(store.RoleClinician).NewResultsForMyPatients(prev, 10)
		if err != nil {
			t.Fatalf("%s: %v", when, err)
		}
		var gotIDs []string
		for _, it := range got {
			gotIDs = append(gotIDs, it.Result.ID)
			if it.Patient.ID != pt.ID || it.Patient.MRN != pt.MRN || it.Filed.IsZero() {
				t.Errorf("%s: listed with patient %+v, filed %v", when, it.Patient, it.Filed)
			}
		}
		if n != wantN || len(gotIDs) != len(ids) {
			t.Fatalf("%s: %d new results %v, want %d %v", when, n, gotIDs, wantN, ids)
		}
		for i := range ids {
			if gotIDs[i] != ids[i] {
				t.Fatalf("%s: listed %v, want %v (the flagged first)", when, gotIDs, ids)
			}
		}
	}
	want("after sign-in", 2, high.ID, normal.ID)
	if n, got, _ := p.as(store.RoleClinician).NewResultsForMyPatients(prev, 1); n != 2 || len(got) != 1 || got[0].Result.ID != high.ID || got[0].Result.Flag != FlagHigh {
		t.Errorf("one listed of two: %d %+v", n, got)
	}

	// Front desk: no clinical key; the homes it reads work, the new results
	// are not its to ask for.
	fd := p.as(store.RoleFrontDesk)
	if _, _, err := fd.InboxWaiting(); err != nil {
		t.Errorf("front desk's home after results were filed: %v", err)
	}
	if _, _, err := fd.NewResultsForMyPatients(prev, 10); !errors.Is(err, store.ErrPermission) {
		t.Errorf("front desk asked for new results: %v", err)
	}
	want("after the front desk's session", 2, high.ID, normal.ID)

	// Looking at the patient's results takes them off the list; a result
	// filed after that is new again.
	p.clk.add(time.Minute)
	if err := p.as(store.RoleClinician).MarkResultsSeen(pt.ID); err != nil {
		t.Fatal(err)
	}
	want("after looking", 0)
	p.clk.add(time.Minute)
	again := p.result(pt, "Glucose", "2345-7", "64", "70", "99")
	want("a result after looking", 1, again.ID)

	// From the cache, and a cache of the format without results.
	p.svc.Close()
	b, err := cacheOf(p.st, homeCacheName)
	if err != nil || string(b[:4]) != homeCacheMagic {
		t.Fatalf("home cache after closing: %q %v", b[:min(4, len(b))], err)
	}
	if p.svc, err = Open(p.st, WithClock(p.clk.now)); err != nil {
		t.Fatal(err)
	}
	want("from the cache", 1, again.ID)
	p.svc.Close()
	var last uint64
	if err := p.st.View(func(tx *store.Tx) error { last = tx.LastChange(); return nil }); err != nil {
		t.Fatal(err)
	}
	v1 := binary.AppendUvarint([]byte("CKH1"), last) // up to date, five empty tables
	v1 = append(v1, 0, 0, 0, 0, 0)
	if err := p.st.Update(func(tx *store.Tx) error { return tx.PutCache(homeCacheName, v1) }); err != nil {
		t.Fatal(err)
	}
	if p.svc, err = Open(p.st, WithClock(p.clk.now)); err != nil {
		t.Fatal(err)
	}
	want("from a cache of the old format", 1, again.ID)
}
