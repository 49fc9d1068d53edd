package chart

import (
	"bytes"
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"chartkeeper/store"
)

// TestHomes follows a week of a small practice and checks what each role's
// home counts and lists, the 90-day history from the records' own times,
// and that all of it survives the service closing (the home cache) and
// follows changes made after.
func TestHomes(t *testing.T) {
	p := newPractice(t)
	day := 24 * time.Hour
	pt := p.patient("Heimat", "Ågot", "1961-02-03")
	other := p.patient("Doma", "Łucja", "1970-07-07")

	// Day 0 (2026-05-14): a scan arrives; a visit is written and signed.
	s := p.as(store.RoleFrontDesk)
	in, err := s.AddDocument(bytes.NewReader([]byte("%PDF lab")), Document{ContentType: "application/pdf", Source: "lab-0001.pdf", Pages: 1})
	if err != nil {
		t.Fatal(err)
	}
	signed := p.visit(pt, "2026-05-14")
	if _, err := p.as(store.RoleClinician).SignVisit(signed.ID, signed.Rev); err != nil {
		t.Fatal(err)
	}
	mine := p.visit(pt, "2026-05-12") // stays unsigned
	if n, oldest, err := p.as(store.RoleFrontDesk).InboxWaiting(); err != nil || n != 1 || !oldest.Equal(in.Received) {
		t.Errorf("inbox waiting: %d %v %v", n, oldest, err)
	}

	// The clinician signs in on day 0; on day 2 the scan is filed to a
	// patient of theirs and another to a patient they have not seen.
	mark, err := p.as(store.RoleClinician).MarkSignIn()
	if err != nil || !mark.IsZero() {
		t.Fatalf("first sign-in mark: %v %v", mark, err)
	}
	p.clk.add(2 * day)
	s = p.as(store.RoleFrontDesk)
	filed, err := s.FileDocument(in.ID, pt.ID, "lab", "2026-05-14", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddDocument(bytes.NewReader([]byte("%PDF other")), Document{Meta: Meta{Patient: other.ID}, Category: "lab", ClinicalDate: "2026-05-15", ContentType: "application/pdf"}); err != nil {
		t.Fatal(err)
	}
	s = p.as(store.RoleClinician)
	prev, err := s.MarkSignIn()
	if err != nil || !prev.Equal(time.Date(2026, 5, 14, 9, 30, 0, 0, time.UTC)) {
		t.Errorf("second sign-in: previous mark %v %v", prev, err)
	}
	got, err := s.FiledToMyPatients(prev, 10)
	if err != nil || len(got) != 1 || got[0].Document.ID != filed.ID || got[0].Patient.MRN != pt.MRN {
		t.Errorf("filed to my patients: %+v %v", got, err)
	}
	n, un, err := s.MyUnsignedVisits(10)
	if err != nil || n != 1 || len(un) != 1 || un[0].Visit.ID != mine.ID || un[0].Patient.MRN != pt.MRN {
		t.Errorf("my unsigned notes: %d %+v %v", n, un, err)
	}
	if _, _, err := p.as(store.RoleFrontDesk).MyUnsignedVisits(10); !errors.Is(err, store.ErrPermission) {
		t.Errorf("front desk asked for unsigned notes: %v", err)
	}

	// Recent patients: the charts this user opened, latest first.
	s = p.as(store.RoleFrontDesk)
	for _, id := range []string{pt.ID, other.ID, pt.ID} {
		if _, err := s.OpenChart(id); err != nil {
			t.Fatal(err)
		}
	}
	if rec, err := s.RecentPatients(5); err != nil || len(rec) != 2 || rec[0].ID != pt.ID || rec[1].ID != other.ID {
		t.Errorf("recent patients: %+v %v", rec, err)
	}
	if rec, _ := p.as(store.RoleClinician).RecentPatients(5); len(rec) != 0 {
		t.Errorf("the clinician's recent patients hold the front desk's: %+v", rec)
	}

	// Registrations of today (day 2): one now, none of day 0.
	late := p.patient("Heute", "Ören", "1990-01-01")
	p.clk.add(time.Minute)
	later := p.patient("Später", "Ölmez", "1991-01-01")
	n, regs, err := p.as(store.RoleFrontDesk).RegisteredToday(10)
	if err != nil || n != 2 || len(regs) != 2 || regs[0].ID != later.ID || regs[1].ID != late.ID {
		t.Errorf("registered today, latest first: %d %+v %v", n, regs, err)
	}
	if n, regs, _ := p.as(store.RoleFrontDesk).RegisteredToday(1); n != 2 || len(regs) != 1 || regs[0].ID != later.ID {
		t.Errorf("registered today, one listed: %d %+v", n, regs)
	}
	q, err := p.as(store.RoleCoder).CodingQueue()
	if err != nil || len(q) != 1 || q[0].VisitID != signed.ID || q[0].Patient.MRN != pt.MRN {
		t.Errorf("coding queue as the index has it: %+v %v", q, err)
	}

	// Day 3: the coder codes the signed visit; a disclosure, a break-glass.
	p.clk.add(day)
	s = p.as(store.RoleCoder)
	uq, err := s.UncodedVisits()
	if err != nil || len(uq) != 1 || uq[0].Visit.ID != signed.ID {
		t.Fatalf("coding queue: %+v %v", uq, err)
	}
	if _, err := s.SetVisitCodes(uq[0].Visit.ID, uq[0].Visit.Rev, []Diagnosis{{Code: "J20.9", Primary: true}}, nil); err != nil {
		t.Fatal(err)
	}
	if q, _ := s.UncodedVisits(); len(q) != 0 {
		t.Errorf("coding queue after coding: %+v", q)
	}
	s = p.as(store.RoleHIM)
	if _, err := s.RecordDisclosure(Disclosure{Meta: Meta{Patient: pt.ID}, Recipient: "Insurer", What: "visit note", Purpose: "claim"}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.as(store.RoleHIM).OpenBreakGlass(pt.ID, "patient collapsed at the desk"); err != nil {
		t.Fatal(err)
	}

	check := func(when string) {
		t.Helper()
		s := p.as(store.RoleHIM)
		wl, err := s.Worklists()
		if err != nil {
			t.Fatalf("%s: worklists: %v", when, err)
		}
		counts := map[string]int{}
		for _, w := range wl {
			counts[w.Name] = w.Count
		}
		if counts["Break-glass access to review"] != 1 || counts["Visits unsigned after 3 days"] != 1 || counts["Signed visits without codes"] != 0 || counts["Documents waiting to be filed"] != 0 {
			t.Errorf("%s: worklists %+v", when, wl)
		}
		h, err := s.History(90)
		if err != nil {
			t.Fatalf("%s: history: %v", when, err)
		}
		last := len(h.Days) - 1 // day 3
		if !h.Days[last].Equal(startOfDay(p.clk.now())) {
			t.Errorf("%s: the last day is %v", when, h.Days[last])
		}
		// The scan waited from day 0 until day 2.
		if w := h.Waiting[last-3 : last+1]; !slices.Equal(w, []int{1, 1, 0, 0}) {
			t.Errorf("%s: documents waiting on days 0-3: %v", when, w)
		}
		// The signed visit was in the backlog from day 0 until day 3.
		if b := h.Backlog[last-3 : last+1]; !slices.Equal(b, []int{1, 1, 1, 0}) {
			t.Errorf("%s: coding backlog on days 0-3: %v", when, b)
		}
		// The unsigned visit of 2026-05-12: up to 3 days old until day 1, older after.
		if a, b := h.Unsigned[0][last-3:last+1], h.Unsigned[1][last-3:last+1]; !slices.Equal(a, []int{1, 1, 0, 0}) || !slices.Equal(b, []int{0, 0, 1, 1}) {
			t.Errorf("%s: unsigned by age on days 0-3: %v %v", when, a, b)
		}
		if h.Disclosures[last] != 1 || h.BreakGlass[last] != 1 || h.BreakGlass[last-1] != 0 {
			t.Errorf("%s: disclosures %v, break-glass %v", when, h.Disclosures[last-3:], h.BreakGlass[last-3:])
		}
		if _, err := p.as(store.RoleCoder).History(90); !errors.Is(err, store.ErrPermission) {
			t.Errorf("%s: a coder read the history: %v", when, err)
		}
	}
	check("first")

	// The index comes back from its cache, and follows what is written after.
	p.as(store.RoleHIM)
	p.svc.Close()
	svc, err := Open(p.st, WithClock(p.clk.now))
	if err != nil {
		t.Fatal(err)
	}
	p.svc = svc
	b, err := cacheOf(p.st, homeCacheName)
	if err != nil || len(b) == 0 {
		t.Fatalf("no home cache after closing: %v", err)
	}
	check("from the cache")
	s = p.as(store.RoleFrontDesk)
	if _, err := s.AddDocument(bytes.NewReader([]byte("%PDF new")), Document{ContentType: "application/pdf", Source: "new.pdf"}); err != nil {
		t.Fatal(err)
	}
	if n, _, _ := s.InboxWaiting(); n != 1 {
		t.Errorf("after the cache, a new scan: %d waiting", n)
	}

	// A damaged cache is rebuilt from the records.
	p.svc.Close()
	if err := p.st.Update(func(tx *store.Tx) error { return tx.PutCache(homeCacheName, []byte("not a cache")) }); err != nil {
		t.Fatal(err)
	}
	p.svc, _ = Open(p.st, WithClock(p.clk.now))
	if n, _, _ := p.as(store.RoleFrontDesk).InboxWaiting(); n != 1 {
		t.Errorf("rebuilt: %d waiting", n)
	}
	if q, _ := p.as(store.RoleCoder).UncodedVisits(); len(q) != 0 {
		t.Errorf("rebuilt: coding queue %+v", q)
	}
	if h, _ := p.as(store.RoleHIM).History(90); h.Backlog[len(h.Backlog)-1] != 0 || h.Backlog[len(h.Backlog)-2] != 1 {
		t.Errorf("rebuilt: the backlog lost the coding time: %v", h.Backlog[len(h.Backlog)-4:])
	}
}

func cacheOf(st *store.Store, name string) (b []byte, err error) {
	err = st.View(func(tx *store.Tx) error { b, err = tx.Cache(name); return err })
	return b, err
}

// TestWorkstationSyncs: another workstation's audit log, as sync brings
// it, dates its last sync on each day of the plot.
func TestWorkstationSyncs(t *testing.T) {
	p := newPractice(t)
	ws := p.replicas(2)
	a, b := ws[0], ws[1]
	if _, _, err := b.as(t, store.RoleFrontDesk).RegisterPatient(Patient{Family: "Fern", Given: "Ådne", DOB: "1980-01-01", Sex: Male}); err != nil {
		t.Fatal(err)
	}
	var wire []store.AuditWire
	if err := b.st.View(func(tx *store.Tx) (err error) { wire, err = tx.ExportAudit(0, 1<<20, 1<<30); return err }); err != nil {
		t.Fatal(err)
	}
	p.clk.add(3 * 24 * time.Hour)
	a.as(t, store.RoleHIM)
	if err := a.st.Update(func(tx *store.Tx) error { _, err := tx.ImportAudit(b.st.DeviceID(), "front desk PC", wire); return err }); err != nil {
		t.Fatal(err)
	}
	got, err := a.svc.WorkstationSyncs(90)
	if err != nil || len(got) != 1 {
		t.Fatalf("workstations: %+v %v", got, err)
	}
	w := got[0]
	last := len(w.DaysSince) - 1
	if w.Name != "front desk PC" || !w.Last.Equal(time.Date(2026, 5, 14, 9, 30, 0, 0, time.UTC)) {
		t.Errorf("workstation %q last heard from %v", w.Name, w.Last)
	}
	if d := w.DaysSince[last]; d != 3 {
		t.Errorf("today: %v days since its last sync, want 3", d)
	}
	at := w.Last
	if d, want := w.DaysSince[last-3], startOfDay(at).AddDate(0, 0, 1).Sub(at).Hours()/24; math.Abs(d-want) > 1e-9 {
		t.Errorf("the day of its entries: %v days, want %v (from the entry to the day's end)", d, want)
	}
	if d := w.DaysSince[last-4]; !math.IsNaN(d) {
		t.Errorf("before its first entry: %v, want none", d)
	}
}
