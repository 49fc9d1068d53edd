package chart

import (
	"testing"

	"chartkeeper/store"
)

// TestBreakGlassFromElsewhere: a grant that reaches the store through its
// change feed (sync from the workstation where it was opened) counts at
// once, without signing in again.
func TestBreakGlassFromElsewhere(t *testing.T) {
	p := newPractice(t)
	pt := p.patient("Testperson", "Ωmega", "1955-05-05")
	here := p.as(store.RoleFrontDesk)
	if c, err := here.OpenChart(pt.ID); err != nil || c.BreakGlass || len(c.Hidden) == 0 {
		t.Fatalf("front desk before any grant: %+v, %v", c, err) // loads the grant cache
	}
	elsewhere := mustOpen(t, p) // another writer of the same store, as sync is
	defer elsewhere.Close()
	if _, err := elsewhere.OpenBreakGlass(pt.ID, "Ambulance crew asks for the allergy list"); err != nil {
		t.Fatal(err)
	}
	c, err := here.OpenChart(pt.ID)
	if err != nil || !c.BreakGlass {
		t.Fatalf("a grant made elsewhere does not open the chart here: %+v, %v", c, err)
	}
	if here.BreakGlassUntil(pt.ID).IsZero() {
		t.Error("no end time for the grant")
	}
}
