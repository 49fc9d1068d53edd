package chart

import (
	"encoding/json"
	"testing"
	"time"

	"chartkeeper/store"
)

// TestTenYearGrant: a break-glass record that claims ten years cannot be
// written with the store package by someone holding a front-desk password
// (grants carry the administration signature), and one that is signed is
// still honoured for the fixed break-glass length from its start at most,
// on this service and on one that learns of it at start.
func TestTenYearGrant(t *testing.T) {
	p := newPractice(t)
	pt := p.patient("Testdóttir", "Sólveig", "1988-08-08")
	p.as(store.RoleFrontDesk)
	u, _ := p.st.CurrentUser()
	grant := func(at, until time.Time) []byte {
		body, _ := json.Marshal(BreakGlass{UserID: u.ID, Username: u.Username, Patient: pt.ID, Reason: "no reason at all", At: at, Until: until})
		return body
	}
	start := p.clk.now()
	if _, err := p.st.Put(TypeBreakGlass, store.NewID(), "", grant(start, start.AddDate(10, 0, 0))); err == nil {
		t.Fatal("a front desk user wrote a break-glass grant with the store package")
	}
	// Signed by the administration key (an HIM manager's session), the
	// record still claims ten years.
	forge := func(at, until time.Time) {
		t.Helper()
		p.as(store.RoleHIM)
		if _, err := p.st.Put(TypeBreakGlass, store.NewID(), "", grant(at, until)); err != nil {
			t.Fatal(err)
		}
		p.as(store.RoleFrontDesk)
	}
	forge(start, start.AddDate(10, 0, 0))
	svc, err := Open(p.st, WithClock(p.clk.now)) // as a workstation that learns of the grant on start
	if err != nil {
		t.Fatal(err)
	}
	if got := svc.BreakGlassUntil(pt.ID); !got.Equal(start.Add(DefaultBreakGlass)) {
		t.Errorf("the grant is said to last until %v, want %v", got, start.Add(DefaultBreakGlass))
	}
	p.clk.add(DefaultBreakGlass + time.Second)
	for name, s := range map[string]*Service{"this service": svc, "a new service": nil} {
		if s == nil {
			if s, err = Open(p.st, WithClock(p.clk.now)); err != nil {
				t.Fatal(err)
			}
		}
		if !s.BreakGlassUntil(pt.ID).IsZero() {
			t.Errorf("%s: the ten-year grant is still said to run", name)
		}
	}
	// A grant that starts in the future is not honoured before its start.
	forge(p.clk.now().Add(time.Hour), p.clk.now().AddDate(10, 0, 0))
	svc, err = Open(p.st, WithClock(p.clk.now))
	if err != nil {
		t.Fatal(err)
	}
	if !svc.BreakGlassUntil(pt.ID).IsZero() {
		t.Error("a grant that starts in an hour is said to run now")
	}
}
