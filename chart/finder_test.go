package chart

import (
	"fmt"
	"sync"
	"testing"

	"chartkeeper/store"
)

// Registrations, an import, searches and the lists that read the finder,
// all at once on one service: every patient gets its own MRN and is found
// (run with -race, this also checks the finder's and the service's locks).
func TestServiceConcurrentUse(t *testing.T) {
	p := newPractice(t)
	svc := p.as(store.RoleHIM)
	first := p.patient("Concurrenttest", "First", "1970-01-01")
	var writers, readers sync.WaitGroup
	done := make(chan struct{})
	errs := make(chan error, 64)
	for w := range 3 {
		writers.Go(func() {
			for i := range 10 {
				_, _, err := svc.RegisterPatient(Patient{Family: "Concurrenttest", Given: fmt.Sprintf("Reg%c%c", 'a'+w, 'a'+i), DOB: "1980-02-03", Sex: Female})
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	writers.Go(func() {
		var ps []Patient
		for i := range 30 {
			ps = append(ps, Patient{Family: "Concurrenttest", Given: fmt.Sprintf("Imp%c%c", 'a'+i/10, 'a'+i%10), DOB: "1990-04-05", Sex: Male})
		}
		if _, err := svc.ImportPatients(ps, "concurrent.csv"); err != nil {
			errs <- err
		}
	})
	readers.Go(func() {
		for {
			select {
			case <-done:
				return
			default:
			}
			if _, err := svc.Find("Concurrenttest", 100); err != nil {
				errs <- err
				return
			}
			if _, err := svc.Duplicates(Patient{Family: "Concurrenttest", Given: "Rega", DOB: "1980-02-03"}); err != nil {
				errs <- err
				return
			}
			svc.Summary(first.ID)
			svc.BreakGlassUntil(first.ID)
			if _, err := svc.MRNCollisions(); err != nil {
				errs <- err
				return
			}
		}
	})
	writers.Wait()
	close(done)
	readers.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	found, err := svc.Find("Concurrenttest", 200)
	if err != nil {
		t.Fatal(err)
	}
	mrns := map[string]bool{}
	for _, f := range found {
		mrns[f.MRN] = true
	}
	if len(found) != 61 || len(mrns) != 61 {
		t.Fatalf("found %d patients with %d MRNs, want 61 each", len(found), len(mrns))
	}
	if c, err := svc.MRNCollisions(); err != nil || len(c) != 0 {
		t.Fatalf("MRN collisions %v, %v", c, err)
	}
}
