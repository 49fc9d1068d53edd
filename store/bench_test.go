package store

import (
	"bytes"
	"math/rand/v2"
	"path/filepath"
	"runtime/debug"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Benchmarks for docs/PERFORMANCE.md. Latency budgets are about medians, so
// the per-operation benchmarks also report median-ms (and p95-ms).

func reportLatency(b *testing.B, d []time.Duration) {
	if len(d) == 0 {
		return
	}
	slices.Sort(d)
	b.ReportMetric(float64(d[len(d)/2])/1e6, "median-ms")
	b.ReportMetric(float64(d[len(d)*95/100])/1e6, "p95-ms")
}

// body12 is a 1.2 KB record body, the size the SQLCipher anchor writes.
var body12 = bytes.Repeat([]byte("x"), 1200)

// BenchmarkUnlock signs in with the real, calibrated Argon2id parameters
// (the test-only cheap parameters are switched off for the slot). Memory is
// handed back to the system before each sign-in, so every one is cold, like
// the first sign-in after the program starts.
func BenchmarkUnlock(b *testing.B) {
	saved := kdfTestParams
	kdfTestParams = nil
	s, _ := newPractice(b)
	kdfTestParams = saved
	benchUnlock(b, s)
}

// BenchmarkUnlockFloor is BenchmarkUnlock with the slot at calibration's
// floor, t=3 at 64 MiB with 4 lanes (RFC 9106's second recommended
// option), whatever this machine would calibrate to: the least work any
// new slot costs an attacker, and the unlock a slow machine gets.
func BenchmarkUnlockFloor(b *testing.B) {
	saved := kdfTestParams
	kdfTestParams = &KDFParams{Time: defaultKDFTime, Memory: defaultKDFMemory, Threads: defaultKDFThreads}
	defer func() { kdfTestParams = saved }()
	s, _ := newPractice(b)
	benchUnlock(b, s)
}

func benchUnlock(b *testing.B, s *Store) {
	var slot KDFParams
	s.db.View(func(tx *bolt.Tx) error {
		sl, _ := getSlot(tx, slotIDFor(s.secret(), "admin"))
		slot = *sl.KDF
		return nil
	})
	b.Logf("slot parameters: t=%d m=%d KiB p=%d", slot.Time, slot.Memory, slot.Threads)
	var d []time.Duration
	for b.Loop() {
		s.Lock()
		debug.FreeOSMemory()
		t0 := time.Now()
		if err := s.Unlock("admin", []byte(adminPass)); err != nil {
			b.Fatal(err)
		}
		d = append(d, time.Since(t0))
	}
	reportLatency(b, d)
}

// BenchmarkPutDurable saves one edit of a 1.2 KB record, committed with fsync.
func BenchmarkPutDurable(b *testing.B) {
	s, _ := newPractice(b)
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

// BenchmarkBareBoltPut is the reference: a bare bbolt commit of the same
// bytes Put writes for one edit (the revision envelope, sealed), with no
// encryption, heads, change feed or audit.
func BenchmarkBareBoltPut(b *testing.B) {
	db, err := bolt.Open(filepath.Join(b.TempDir(), "bare.db"), 0o600, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("b")); return err })
	val := make([]byte, len(body12)+sealOverhead+60)
	key := []byte(NewID())
	var d []time.Duration
	for b.Loop() {
		t0 := time.Now()
		if err := db.Update(func(tx *bolt.Tx) error { return tx.Bucket([]byte("b")).Put(key, val) }); err != nil {
			b.Fatal(err)
		}
		d = append(d, time.Since(t0))
	}
	reportLatency(b, d)
}

func BenchmarkGet(b *testing.B) {
	s, _ := newPractice(b)
	var ids []string
	s.Update(func(tx *Tx) error {
		for i := 0; i < 1000; i++ {
			r, _ := tx.Put("patient", "", "", body12)
			ids = append(ids, r.ID)
		}
		return nil
	})
	i := 0
	for b.Loop() {
		if _, err := s.Get(ids[i%len(ids)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// fill100k writes n 1.2 KB patient records, 1,000 per transaction, and
// reports the rate.
func fill(b *testing.B, s *Store, n int) {
	t0 := time.Now()
	for done := 0; done < n; done += 1000 {
		if err := s.Update(func(tx *Tx) error {
			for i := 0; i < 1000 && done+i < n; i++ {
				if _, err := tx.Put("patient", "", "", body12); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/time.Since(t0).Seconds(), "bulk-records/s")
}

// BenchmarkList100k lists 100,000 records of one type, decrypting each.
func BenchmarkList100k(b *testing.B) {
	s, _ := newPractice(b)
	fill(b, s, 100_000)
	for b.Loop() {
		n := 0
		if err := s.List("patient", func(Record) error { n++; return nil }); err != nil || n != 100_000 {
			b.Fatal(n, err)
		}
	}
}

// BenchmarkBulkPut writes records 1,000 per transaction.
func BenchmarkBulkPut(b *testing.B) {
	s, _ := newPractice(b)
	for b.Loop() {
		fill(b, s, 20_000)
	}
}

// BenchmarkPutBlob20MB seals a 20 MB scan into the store, durably.
func BenchmarkPutBlob20MB(b *testing.B) {
	s, _ := newPractice(b)
	content := randomContent(20<<20, 1)
	b.SetBytes(int64(len(content)))
	var d []time.Duration
	i := 0
	for b.Loop() {
		content[0], content[1] = byte(i), byte(i>>8) // new content each time, no dedupe
		i++
		t0 := time.Now()
		if _, err := s.PutBlob(bytes.NewReader(content)); err != nil {
			b.Fatal(err)
		}
		d = append(d, time.Since(t0))
	}
	reportLatency(b, d)
}

// The realistic pair: a store holding 10,000 records of 1.2 KB, and an edit
// of a random one. The bare bbolt reference overwrites a random key of
// 10,000 in a bucket of the same size, with the same bytes.
const editPopulation = 10_000

func BenchmarkEditOneOf10k(b *testing.B) {
	s, _ := newPractice(b)
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

func BenchmarkBareBoltEditOneOf10k(b *testing.B) {
	db, err := bolt.Open(filepath.Join(b.TempDir(), "bare.db"), 0o600, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	val := make([]byte, len(body12)+sealOverhead+60)
	var keys [][]byte
	db.Update(func(tx *bolt.Tx) error {
		bk, _ := tx.CreateBucket([]byte("b"))
		for i := 0; i < editPopulation; i++ {
			k := []byte(NewID())
			keys = append(keys, k)
			bk.Put(k, val)
		}
		return nil
	})
	rng := rand.New(rand.NewPCG(1, 2))
	var d []time.Duration
	for b.Loop() {
		k := keys[rng.IntN(len(keys))]
		t0 := time.Now()
		if err := db.Update(func(tx *bolt.Tx) error { return tx.Bucket([]byte("b")).Put(k, val) }); err != nil {
			b.Fatal(err)
		}
		d = append(d, time.Since(t0))
	}
	reportLatency(b, d)
}

// BenchmarkPutBlob20MBRotated is BenchmarkPutBlob20MB after a rotation
// of the general key: the chunks are sealed under its new epoch and
// summed for the header's root (blobepoch.go).
func BenchmarkPutBlob20MBRotated(b *testing.B) {
	s, _ := newPractice(b)
	if _, err := s.RotateKeys("device.revoke: benchmark"); err != nil {
		b.Fatal(err)
	}
	content := randomContent(20<<20, 1)
	b.SetBytes(int64(len(content)))
	var d []time.Duration
	i := 0
	for b.Loop() {
		content[0], content[1] = byte(i), byte(i>>8)
		i++
		t0 := time.Now()
		info, err := s.PutBlob(bytes.NewReader(content))
		if err != nil {
			b.Fatal(err)
		}
		if info.Epoch == 0 {
			b.Fatal("the blob is not sealed under the rotated epoch")
		}
		d = append(d, time.Since(t0))
	}
	reportLatency(b, d)
}
