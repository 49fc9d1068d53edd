package syncclient_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"chartkeeper/store"
	"chartkeeper/syncclient"
)

// BenchmarkFiftyWorkstations has 50 workstations of one practice (each its
// own store, joined with an enrollment code) sync with one server over
// HTTPS on loopback at the same time. In each iteration every workstation
// writes 10 new records and then syncs, all at once, until it holds every
// record of every workstation. No sync may fail. It reports the time for
// everything to reach everyone and the revisions moved per second
// (pushed plus pulled, over all workstations).
func BenchmarkFiftyWorkstations(b *testing.B) {
	const (
		workstations = 50
		perRound     = 10
	)
	ts := startServer(b)
	ws := newPractice(b, ts, workstations)
	syncAll(b, ws...)
	base := make([]uint64, len(ws))
	for i, w := range ws {
		base[i] = lastChange(w.st)
	}
	ctx := context.Background()
	var (
		moved    atomic.Int64
		failures atomic.Int64
		firstErr atomic.Value
		elapsed  time.Duration
	)
	total := 0
	b.ResetTimer()
	for iter := range b.N {
		start := time.Now()
		total += workstations * perRound
		var wg sync.WaitGroup
		for i, w := range ws {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := w.st.Update(func(tx *store.Tx) error {
					for k := range perRound {
						if _, err := tx.Put("visit", "", "", fmt.Appendf(nil, `{"note":"bench %d/%d/%d"}`, iter, i, k)); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					b.Error(err)
					return
				}
				for tries := 0; ; tries++ {
					r, err := w.c.RunOnce(ctx)
					moved.Add(int64(r.Pushed + r.Pulled))
					if err != nil {
						failures.Add(1)
						firstErr.CompareAndSwap(nil, err.Error())
					}
					// Every revision held is one entry of the change feed.
					if lastChange(w.st) >= base[i]+uint64(total) {
						return
					}
					if tries == 1000 {
						b.Errorf("workstation %d never caught up", i)
						return
					}
					time.Sleep(5 * time.Millisecond)
				}
			}()
		}
		wg.Wait()
		elapsed += time.Since(start)
	}
	b.StopTimer()
	if n := failures.Load(); n > 0 {
		b.Fatalf("%d syncs failed, first: %v", n, firstErr.Load())
	}
	b.ReportMetric(0, "errors")
	b.ReportMetric(float64(elapsed.Milliseconds())/float64(b.N), "ms/everyone-has-everything")
	b.ReportMetric(float64(moved.Load())/elapsed.Seconds(), "revs-moved/s")
}

func lastChange(s *store.Store) uint64 {
	var n uint64
	s.View(func(tx *store.Tx) error { n = tx.LastChange(); return nil })
	return n
}

// BenchmarkEditReachesOnlineWorkstation measures how long an edit on one
// workstation takes to arrive in another's store while both run the
// background sync (push on change, long-poll pull), over HTTPS on
// loopback. It reports the median and the slowest of the iterations.
func BenchmarkEditReachesOnlineWorkstation(b *testing.B) {
	ts := startServer(b)
	ws := newPractice(b, ts, 2)
	a, c := ws[0], ws[1]
	syncAll(b, a, c)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, w := range ws {
		wg.Add(1)
		go func() { defer wg.Done(); w.c.Run(ctx) }()
	}
	defer func() { cancel(); wg.Wait() }()
	time.Sleep(100 * time.Millisecond) // let the long-polls start
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		r := put(b, a.st, "patient", "", "", fmt.Sprint("live ", i))
		for {
			changed := c.st.ChangeSignal()
			if _, err := c.st.Get(r.ID); err == nil {
				break
			}
			if time.Since(start) > 5*time.Second {
				b.Fatal("edit did not arrive within 5 s")
			}
			select {
			case <-changed:
			case <-time.After(5 * time.Millisecond):
			}
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "ms-median")
	b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "ms-max")
}

// BenchmarkFiftyWorkstationsOnline has 50 workstations run the background
// sync at once (a push loop and a long-poll each, so 50 long-polls are
// held open on the server). In each iteration every workstation writes one
// record; the time is until every workstation holds all 50. No
// workstation may show an error or go offline.
func BenchmarkFiftyWorkstationsOnline(b *testing.B) {
	const workstations = 50
	ts := startServer(b)
	ws := newPractice(b, ts, workstations)
	syncAll(b, ws...)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var bad atomic.Value
	for _, w := range ws {
		wg.Add(2)
		go func() { defer wg.Done(); w.c.Run(ctx) }()
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				ch := w.c.StatusChanged()
				if s := w.c.Status(); s.State == syncclient.StateError || s.State == syncclient.StateOffline {
					bad.CompareAndSwap(nil, s.String()+": "+s.Err)
				}
				select {
				case <-ch:
				case <-ctx.Done():
				}
			}
		}()
	}
	defer func() { cancel(); wg.Wait() }()
	base := make([]uint64, len(ws))
	for i, w := range ws {
		base[i] = lastChange(w.st)
	}
	time.Sleep(200 * time.Millisecond) // let the long-polls start
	var lat []time.Duration
	b.ResetTimer()
	for iter := range b.N {
		start := time.Now()
		for i, w := range ws {
			put(b, w.st, "visit", "", "", fmt.Sprintf(`{"note":"online %d/%d"}`, iter, i))
		}
		want := uint64((iter + 1) * workstations)
		for i, w := range ws {
			for lastChange(w.st) < base[i]+want {
				if time.Since(start) > 30*time.Second {
					b.Fatal("the records did not reach every workstation within 30 s")
				}
				select {
				case <-w.st.ChangeSignal():
				case <-time.After(5 * time.Millisecond):
				}
			}
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	if v := bad.Load(); v != nil {
		b.Fatalf("a workstation showed %v", v)
	}
	slices.Sort(lat)
	b.ReportMetric(0, "errors")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "ms-median-everyone-has-everything")
}
