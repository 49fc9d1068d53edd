package pgbackend_test

import (
	"crypto/rand"
	"fmt"
	"testing"
	"time"

	"chartkeeper/internal/pgtest"
	"chartkeeper/syncproto"
	"chartkeeper/syncserver"
)

// BenchmarkBackend pushes b.N revisions of 400 sealed bytes in batches of
// 500 straight into the backend (no HTTP), then reads them back in pages
// of 500, on a private PostgreSQL with fsync on; it reports each rate.
func BenchmarkBackend(b *testing.B) {
	c := pgtest.StartForTest(b, pgtest.Options{Fsync: true})
	be := open(b, pgtest.NewDatabaseIn(b, c))
	defer be.Close()
	if err := be.RegisterPractice(ctx, "prac", device("devA"), syncserver.PracticeKeys{}); err != nil {
		b.Fatal(err)
	}
	sealed := make([]byte, 400)
	rand.Read(sealed)
	revs := make([]syncproto.Rev, b.N)
	for i := range revs {
		id := fmt.Sprintf("%032x", i)
		revs[i] = syncproto.Rev{RecordID: id, Rev: "1-" + id, Sealed: sealed}
	}
	b.ResetTimer()
	t0 := time.Now()
	for i := 0; i < len(revs); i += 500 {
		if _, err := be.Push(ctx, "prac", "devA", revs[i:min(i+500, len(revs))]); err != nil {
			b.Fatal(err)
		}
	}
	push := time.Since(t0)
	t1 := time.Now()
	n, since := 0, uint64(0)
	for {
		res, err := be.Changes(ctx, "prac", since, 500, 1<<20, "")
		if err != nil {
			b.Fatal(err)
		}
		n += len(res.Revs)
		since = res.LastSeq
		if !res.More {
			break
		}
	}
	pull := time.Since(t1)
	b.StopTimer()
	if n != b.N {
		b.Fatalf("read %d of %d", n, b.N)
	}
	b.ReportMetric(float64(b.N)/push.Seconds(), "push-revs/s")
	b.ReportMetric(float64(b.N)/pull.Seconds(), "pull-revs/s")
}
