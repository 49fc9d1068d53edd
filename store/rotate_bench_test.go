package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// BenchmarkReseal seals again 2,000 clinical revisions (1.2 KB bodies)
// after a rotation, in batches of 64 as the workstation's background
// re-seal does; it reports the time per revision and for the whole pass
// (docs/PERFORMANCE.md).
func BenchmarkReseal(b *testing.B) {
	const n = 2000
	var total time.Duration
	for range b.N {
		b.StopTimer()
		s, _ := newPractice(b, WithTypeRules(insiderRules))
		if _, err := s.AddUser(NewUser{Username: "doc", Name: "Test Doc", Role: RoleClinician, Password: []byte(userPass)}); err != nil {
			b.Fatal(err)
		}
		for i := 0; i < n; i += 100 {
			if err := s.Update(func(tx *Tx) error {
				for j := i; j < i+100; j++ {
					if _, err := tx.Put("allergy", fmt.Sprintf("p%d.a", j), "", body12); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				b.Fatal(err)
			}
		}
		if err := s.DisableUser("doc"); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		t0 := time.Now()
		pr, err := s.Reseal(context.Background(), 64)
		total += time.Since(t0)
		if err != nil || !pr.Done || pr.Resealed != n {
			b.Fatalf("re-seal: %+v %v", pr, err)
		}
	}
	b.ReportMetric(float64(total.Microseconds())/float64(b.N*n), "us/revision")
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/2000-revisions")
}

// BenchmarkResealGeneral100k seals again the demographics of 100,000
// patients (about 300-byte bodies) after a front desk user is disabled,
// 64 per transaction as the workstation's background re-seal does, while
// another goroutine reads patients as the session would (docs/PERFORMANCE.md).
// It reports the whole pass, the longest transaction (what a save or a
// sign-in waits behind at most), and the reads' median and longest time
// during the pass.
func BenchmarkResealGeneral100k(b *testing.B) {
	const n = 100_000
	body := []byte(`{"family":"Zqxbench","given":"Ådné","dob":"1980-01-02","sex":"female","phone":"+1 555 0100 0102","address":"12 Testing Lane, Exampleville","mrn":"MRN-0000000"}`)
	body = append(body[:len(body)-1], []byte(`,"note":"`+strings.Repeat("x", 300-len(body))+`"}`)...)
	for range b.N {
		b.StopTimer()
		s, _ := newPractice(b, WithTypeRules(insiderRules))
		if _, err := s.AddUser(NewUser{Username: "desk", Name: "Test Desk", Role: RoleFrontDesk, Password: []byte(userPass)}); err != nil {
			b.Fatal(err)
		}
		ids := make([]string, 0, n)
		for i := 0; i < n; i += 2000 {
			if err := s.Update(func(tx *Tx) error {
				for range 2000 {
					r, err := tx.Put("patient", "", "", body)
					if err != nil {
						return err
					}
					ids = append(ids, r.ID)
				}
				return nil
			}); err != nil {
				b.Fatal(err)
			}
		}
		if err := s.DisableUser("desk"); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		t0 := time.Now()
		var longest time.Duration
		stop := make(chan struct{})
		reads := make(chan []time.Duration)
		go func() {
			var ds []time.Duration
			for i := 0; ; i++ {
				select {
				case <-stop:
					reads <- ds
					return
				default:
				}
				r0 := time.Now()
				if _, err := s.Get(ids[(i*7919)%n]); err != nil {
					b.Error(err)
				}
				ds = append(ds, time.Since(r0))
				time.Sleep(5 * time.Millisecond)
			}
		}()
		var pr ResealProgress
		for !pr.Done {
			s0 := time.Now()
			var err error
			if pr, err = s.ResealStep(64); err != nil {
				b.Fatal(err)
			}
			longest = max(longest, time.Since(s0))
		}
		total := time.Since(t0)
		close(stop)
		ds := <-reads
		b.StopTimer()
		if pr.GeneralResealed != n {
			b.Fatalf("re-sealed %+v, want %d general revisions", pr, n)
		}
		slices.Sort(ds)
		b.ReportMetric(total.Seconds(), "s/100k-patients")
		b.ReportMetric(float64(longest.Microseconds())/1000, "ms/longest-step")
		b.ReportMetric(float64(ds[len(ds)/2].Microseconds())/1000, "ms/read-median")
		b.ReportMetric(float64(ds[len(ds)-1].Microseconds())/1000, "ms/read-max")
		s.Close()
		b.StartTimer()
	}
}
