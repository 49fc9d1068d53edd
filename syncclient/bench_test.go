package syncclient_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"chartkeeper/store"
)

// BenchmarkFirstSync writes b.N new records (about 300 bytes of body each)
// on one workstation, pushes them, and pulls them into another, over HTTPS
// on loopback; it reports each direction's rate.
func BenchmarkFirstSync(b *testing.B) {
	ts := startServer(b)
	ws := newPractice(b, ts, 2)
	a, c := ws[0], ws[1]
	body := fmt.Sprintf(`{"family":"Benchmark","given":"Patient","notes":%q}`, make([]byte, 240))
	err := a.st.Update(func(tx *store.Tx) error {
		for range b.N {
			if _, err := tx.Put("patient", "", "", []byte(body)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	t0 := time.Now()
	ra, err := a.c.RunOnce(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	push := time.Since(t0)
	t1 := time.Now()
	rc, err := c.c.RunOnce(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	pull := time.Since(t1)
	b.StopTimer()
	if ra.Pushed < b.N || rc.Pulled < b.N {
		b.Fatalf("pushed %d, pulled %d of %d", ra.Pushed, rc.Pulled, b.N)
	}
	b.ReportMetric(float64(ra.Sent)/push.Seconds(), "push-revs/s")
	b.ReportMetric(float64(rc.Received)/pull.Seconds(), "pull-revs/s")
}
