package chart

import (
	"errors"
	"testing"

	"chartkeeper/store"
)

// TestBreakGlassFromElsewhere: another program writing to the same store
// (as sync does) cannot open break-glass for a front desk user either, and
// the chart stays closed here.
func TestBreakGlassFromElsewhere(t *testing.T) {
	p := newPractice(t)
	pt := p.patient("Testperson", "Ωmega", "1955-05-05")
	here := p.as(store.RoleFrontDesk)
	if c, err := here.OpenChart(pt.ID); err != nil || c.BreakGlass || len(c.Hidden) == 0 {
		t.Fatalf("front desk before any grant: %+v, %v", c, err) // loads the grant cache
	}
	elsewhere := mustOpen(t, p) // another writer of the same store, as sync is
	defer elsewhere.Close()
	if _, err := elsewhere.OpenBreakGlass(pt.ID, "Ambulance crew asks for the allergy list"); !errors.Is(err, store.ErrPermission) {
		t.Fatalf("break-glass elsewhere: %v", err)
	}
	c, err := here.OpenChart(pt.ID)
	if err != nil || c.BreakGlass {
		t.Fatalf("the chart opened here: %+v, %v", c, err)
	}
	if !here.BreakGlassUntil(pt.ID).IsZero() {
		t.Error("an end time for a grant that does not exist")
	}
}
