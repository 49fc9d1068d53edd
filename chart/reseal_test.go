package chart

import (
	"testing"
	"time"

	"chartkeeper/store"
)

// Disabling a coder (who held the clinical key) starts a new epoch of it;
// the service opened at the next sign-in seals the older visits again in
// the background, and they still read.
func TestBackgroundReseal(t *testing.T) {
	p := newPractice(t)
	pt := p.patient("Testreseal", "Ännchen", "1970-03-04")
	var visits []Visit
	for _, d := range []string{"2026-01-05", "2026-02-05", "2026-03-05"} {
		visits = append(visits, p.visit(pt, d))
	}
	p.as(store.RoleHIM)
	if err := p.st.DisableUser(p.tp.Username(store.RoleCoder)); err != nil {
		t.Fatal(err)
	}
	p.svc.Close()
	p.as(store.RoleClinician)
	svc, err := Open(p.st, WithClock(p.clk.now))
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	deadline := time.Now().Add(20 * time.Second)
	for {
		pr, err := p.st.ResealStatus()
		if err != nil {
			t.Fatal(err)
		}
		if pr.Done {
			if pr.Epoch != 2 || pr.Resealed < len(visits) {
				t.Fatalf("re-seal finished with %+v, want epoch 2 and the %d visits at least", pr, len(visits))
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the background re-seal has not finished: %+v", pr)
		}
		time.Sleep(20 * time.Millisecond)
	}
	c := openAs(t, svc, pt.ID)
	if len(c.Visits) != len(visits) {
		t.Fatalf("the chart shows %d visits after the re-seal, want %d", len(c.Visits), len(visits))
	}
}
