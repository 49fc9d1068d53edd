package chart

import (
	"bytes"
	"encoding/json"
	"io"
	"testing"
	"time"

	"chartkeeper/store"
)

// TestTenYearGrant: a break-glass record that claims ten years (written
// with the store package by someone holding a front-desk password) is
// honoured for the fixed break-glass length from its start at most, and
// every use of it is in the audit log, flagged.
func TestTenYearGrant(t *testing.T) {
	p := newPractice(t)
	pt := p.patient("Testdóttir", "Sólveig", "1988-08-08")
	p.as(store.RoleClinician)
	if err := p.svc.Save(&Allergy{Meta: Meta{Patient: pt.ID}, Substance: "Penicillin", Severity: "severe"}); err != nil {
		t.Fatal(err)
	}
	desk := p.as(store.RoleFrontDesk)
	d, err := desk.AddDocument(bytes.NewReader([]byte("%PDF-1.4 a referral letter")), Document{ContentType: "application/pdf", Source: "r.pdf"})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := desk.FileDocument(d.ID, pt.ID, "referral", "2026-05-01", "")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := p.st.CurrentUser()
	forge := func(at time.Time, until time.Time) {
		t.Helper()
		body, _ := json.Marshal(BreakGlass{UserID: u.ID, Username: u.Username, Patient: pt.ID, Reason: "no reason at all", At: at, Until: until})
		if _, err := p.st.Put(TypeBreakGlass, store.NewID(), "", body); err != nil {
			t.Fatal(err)
		}
	}
	start := p.clk.now()
	forge(start, start.AddDate(10, 0, 0))
	svc, err := Open(p.st, WithClock(p.clk.now)) // as a workstation that learns of the grant on start
	if err != nil {
		t.Fatal(err)
	}
	c, err := svc.OpenChart(pt.ID)
	if err != nil || !c.BreakGlass || len(c.Allergies) != 1 {
		t.Fatalf("within its first minutes the grant opens the chart: %+v %v", c, err)
	}
	rc, _, err := svc.OpenDocument(doc.ID)
	if err != nil {
		t.Fatalf("a clinical document through the grant: %v", err)
	}
	io.Copy(io.Discard, rc)
	rc.Close()
	if got := svc.BreakGlassUntil(pt.ID); !got.Equal(start.Add(DefaultBreakGlass)) {
		t.Errorf("the grant is said to last until %v, want %v", got, start.Add(DefaultBreakGlass))
	}
	// Every use is audited and flagged.
	uses := map[string]int{}
	p.st.AuditLog(1, func(ev store.AuditEvent) error {
		if ev.Flagged && ev.Subject == pt.ID && ev.Username == u.Username {
			uses[ev.Action]++
		}
		return nil
	})
	if uses["chart.view"] != 1 || uses["document.view"] != 1 {
		t.Errorf("flagged uses of the grant in the audit log: %v, want one chart.view and one document.view", uses)
	}

	p.clk.add(DefaultBreakGlass + time.Second)
	for name, s := range map[string]*Service{"this service": svc, "a new service": nil} {
		if s == nil {
			if s, err = Open(p.st, WithClock(p.clk.now)); err != nil {
				t.Fatal(err)
			}
		}
		if c, err := s.OpenChart(pt.ID); err != nil || c.BreakGlass || c.Allergies != nil {
			t.Errorf("%s: the ten-year grant is honoured past %v: %+v %v", name, DefaultBreakGlass, c, err)
		}
		if _, _, err := s.OpenDocument(doc.ID); err == nil {
			t.Errorf("%s: the ten-year grant still opens a clinical document", name)
		}
		if !s.BreakGlassUntil(pt.ID).IsZero() {
			t.Errorf("%s: the ten-year grant is still said to run", name)
		}
	}

	// A grant that starts in the future is not honoured before its start.
	forge(p.clk.now().Add(time.Hour), p.clk.now().AddDate(10, 0, 0))
	if c, err := svc.OpenChart(pt.ID); err != nil || c.BreakGlass {
		t.Errorf("a grant that starts in an hour opened the chart now: %v", err)
	}
}
