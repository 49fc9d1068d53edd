package store

import (
	"context"
	"fmt"
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
