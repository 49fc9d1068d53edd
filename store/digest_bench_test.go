package store

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Benchmarks of the state digest's cost (docs/PERFORMANCE.md).

// withoutDigest removes the store's digest, so that commits skip it: the
// store as it was before the digest, for comparison.
func withoutDigest(b *testing.B, s *Store) {
	if err := s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Delete(keyDigest) }); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkPutDurableNoDigest is BenchmarkPutDurable without the digest.
func BenchmarkPutDurableNoDigest(b *testing.B) {
	s, _ := newPractice(b)
	withoutDigest(b, s)
	r, _ := s.Put("patient", "", "", body12)
	var d []time.Duration
	for b.Loop() {
		t0 := time.Now()
		var err error
		if r, err = s.Put("patient", r.ID, r.Rev, body12); err != nil {
			b.Fatal(err)
		}
		d = append(d, time.Since(t0))
	}
	reportLatency(b, d)
}

// BenchmarkEditOneOf10kNoDigest is BenchmarkEditOneOf10k without the digest.
func BenchmarkEditOneOf10kNoDigest(b *testing.B) {
	s, _ := newPractice(b)
	withoutDigest(b, s)
	var recs []Record
	for done := 0; done < editPopulation; done += 1000 {
		s.Update(func(tx *Tx) error {
			for i := 0; i < 1000; i++ {
				r, err := tx.Put("patient", "", "", body12)
				if err != nil {
					return err
				}
				recs = append(recs, r)
			}
			return nil
		})
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var d []time.Duration
	for b.Loop() {
		i := rng.IntN(len(recs))
		t0 := time.Now()
		r, err := s.Put("patient", recs[i].ID, recs[i].Rev, body12)
		if err != nil {
			b.Fatal(err)
		}
		d = append(d, time.Since(t0))
		recs[i] = r
	}
	reportLatency(b, d)
}

// BenchmarkUnlock100k signs in to a store of 100,000 records with the
// test build's cheap key derivation, so that what is measured is the rest
// of a sign-in: mostly the quick check of the state digest. The full
// check, which runs after the sign-in, is reported as full-check-ms.
func BenchmarkUnlock100k(b *testing.B) {
	s, _ := newPractice(b)
	fill(b, s, 100_000)
	var d, full []time.Duration
	for b.Loop() {
		s.Lock()
		t0 := time.Now()
		if err := s.Unlock("admin", []byte(adminPass)); err != nil {
			b.Fatal(err)
		}
		d = append(d, time.Since(t0))
		if err := s.StateError(true); err != nil {
			b.Fatal(err)
		}
		full = append(full, time.Since(t0))
	}
	reportLatency(b, d)
	if len(full) > 0 {
		slices.Sort(full)
		b.ReportMetric(float64(full[len(full)/2])/1e6, "full-check-ms")
	}
}

// BenchmarkQuickCheck100k is the quick check alone, on 100,000 records.
func BenchmarkQuickCheck100k(b *testing.B) {
	s, _ := newPractice(b)
	fill(b, s, 100_000)
	s.mu.RLock()
	sess := s.sess
	s.mu.RUnlock()
	var d []time.Duration
	for b.Loop() {
		t0 := time.Now()
		q := s.quickStateCheck(sess, nil)
		d = append(d, time.Since(t0))
		if len(q.sc.problems) > 0 {
			b.Fatal(q.sc.problems)
		}
	}
	reportLatency(b, d)
}

// BenchmarkPutDurableDigestAB saves one edit durably in two stores in
// turn, one with the digest and one without, so that both see the same
// load on a shared machine: with-median-ms and without-median-ms.
func BenchmarkPutDurableDigestAB(b *testing.B) { benchDigestAB(b, false) }

// BenchmarkPutNoSyncDigestAB is BenchmarkPutDurableDigestAB with bbolt's
// fsync switched off, so that the work of the commit itself shows.
func BenchmarkPutNoSyncDigestAB(b *testing.B) { benchDigestAB(b, true) }

func benchDigestAB(b *testing.B, noSync bool) {
	with, _ := newPractice(b)
	without, _ := newPractice(b)
	withoutDigest(b, without)
	with.db.NoSync, without.db.NoSync = noSync, noSync
	rw, _ := with.Put("patient", "", "", body12)
	ro, _ := without.Put("patient", "", "", body12)
	var dw, do []time.Duration
	for b.Loop() {
		t0 := time.Now()
		var err error
		if rw, err = with.Put("patient", rw.ID, rw.Rev, body12); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if ro, err = without.Put("patient", ro.ID, ro.Rev, body12); err != nil {
			b.Fatal(err)
		}
		dw, do = append(dw, t1.Sub(t0)), append(do, time.Since(t1))
	}
	slices.Sort(dw)
	slices.Sort(do)
	if len(dw) > 0 {
		b.ReportMetric(float64(dw[len(dw)/2])/1e6, "with-median-ms")
		b.ReportMetric(float64(do[len(do)/2])/1e6, "without-median-ms")
	}
}

// BenchmarkUnlock100kCalibrated signs in to a store of 100,000 records
// with the real, calibrated key derivation, cold (memory handed back
// first), as BenchmarkUnlock does for a small store: the sign-in budget.
func BenchmarkUnlock100kCalibrated(b *testing.B) {
	saved := kdfTestParams
	kdfTestParams = nil
	s, _ := newPractice(b)
	kdfTestParams = saved
	fill(b, s, 100_000)
	benchUnlock(b, s)
}
