package sync

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	gosync "sync"

	bolt "go.etcd.io/bbolt"
)

// Storage quota per practice (DESIGN.md: "each practice has a storage
// quota"). A backend keeps a running total of each practice's stored
// bytes — sealed revisions, blob chunks and headers (committed or not),
// audit entries — updated in the transaction of every write, and refuses
// a write that would take the total over the quota. The server answers
// that with 507 and a plain message; the workstation keeps everything
// locally, shows the error, and goes on pulling.

// ErrQuotaExceeded is the backend's refusal of a write that would take a
// practice over its storage quota; nothing of the write is stored.
var ErrQuotaExceeded = errors.New("the practice's storage on the sync server is full")

// QuotaBackend is implemented by backends that count each practice's
// stored bytes (both of Chartkeeper's do).
type QuotaBackend interface {
	// SetQuota limits every practice's stored bytes to n from now on
	// (0: no limit). Writes past it fail with ErrQuotaExceeded.
	SetQuota(n int64)
	// Usage is a practice's stored bytes (the running total).
	Usage(ctx context.Context, practiceID string) (int64, error)
}

// ParseSize reads a size such as "20GB", "500 MB", "1.5TB" or "512MiB"
// (KB, MB, GB and TB are powers of 1000; KiB, MiB, GiB and TiB of 1024; a
// bare number is bytes). "0" and "unlimited" are 0, no limit.
func ParseSize(s string) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	if t == "unlimited" || t == "none" {
		return 0, nil
	}
	units := []struct {
		suffix string
		mult   float64
	}{{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"tib", 1 << 40},
		{"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9}, {"tb", 1e12}, {"b", 1}}
	mult := 1.0
	for _, u := range units {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || f < 0 || f*mult > 1<<62 {
		return 0, fmt.Errorf("%q is not a size (write it like 20GB or 500MB)", s)
	}
	return int64(f * mult), nil
}

// FormatSize writes n bytes for people: "20 GB", "1.5 TB", "800 MB".
func FormatSize(n int64) string {
	units := []string{"bytes", "KB", "MB", "GB", "TB", "PB"}
	f, i := float64(n), 0
	for f >= 1000 && i < len(units)-1 {
		f /= 1000
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%d bytes", n)
	}
	s := strconv.FormatFloat(f, 'f', 1, 64)
	return strings.TrimSuffix(s, ".0") + " " + units[i]
}

// quotaMessage is the refusal workstations show.
func quotaMessage(quota int64) string {
	if quota <= 0 {
		return ErrQuotaExceeded.Error() + "; ask the server's operator to raise the quota"
	}
	return fmt.Sprintf("%s (%s); ask the server's operator to raise the quota", ErrQuotaExceeded, FormatSize(quota))
}

// boltQuota is the bbolt backend's quota; the running total of each
// practice is its key "usage" (8 bytes, big-endian).
type boltQuota struct {
	mu    gosync.Mutex
	limit int64
}

var kUsage = []byte("usage")

func (b *boltBackend) SetQuota(n int64) {
	b.quota.mu.Lock()
	b.quota.limit = n
	b.quota.mu.Unlock()
}

func (b *boltBackend) Usage(ctx context.Context, pid string) (n int64, err error) {
	err = b.db.View(func(tx *bolt.Tx) error {
		p, err := b.practice(tx, pid)
		if err != nil {
			return err
		}
		n = usageOf(p)
		return nil
	})
	return n, err
}

func usageOf(p *bolt.Bucket) int64 {
	if v := p.Get(kUsage); len(v) == 8 {
		return int64(binary.BigEndian.Uint64(v))
	}
	return 0
}

// addUsage adds delta bytes to the practice's total in the write
// transaction, refusing a growth past the quota (the transaction then
// rolls back).
func (b *boltBackend) addUsage(p *bolt.Bucket, delta int64) error {
	if delta == 0 {
		return nil
	}
	n := max(usageOf(p)+delta, 0)
	b.quota.mu.Lock()
	limit := b.quota.limit
	b.quota.mu.Unlock()
	if delta > 0 && limit > 0 && n > limit {
		return ErrQuotaExceeded
	}
	return p.Put(kUsage, binary.BigEndian.AppendUint64(nil, uint64(n)))
}

// countUsage gives every practice of a file made before the running
// totals its total, once, by reading what it stores.
func countUsage(tx *bolt.Tx) error {
	ps := tx.Bucket(bPractice)
	return ps.ForEachBucket(func(k []byte) error {
		p := ps.Bucket(k)
		if p.Get(kUsage) != nil {
			return nil
		}
		var n int64
		if log := p.Bucket(bLog); log != nil {
			if err := log.ForEach(func(k, v []byte) error {
				r, err := decodeLogRev(0, v)
				n += int64(len(r.Sealed))
				return err
			}); err != nil {
				return err
			}
		}
		if data := p.Bucket(bBlobData); data != nil {
			data.ForEach(func(k, v []byte) error { n += int64(len(v)); return nil })
		}
		if ab := p.Bucket(bAudit); ab != nil {
			ab.ForEachBucket(func(dev []byte) error {
				return ab.Bucket(dev).ForEach(func(k, v []byte) error {
					if len(k) == 8 {
						n += int64(len(v))
					}
					return nil
				})
			})
		}
		return p.Put(kUsage, binary.BigEndian.AppendUint64(nil, uint64(n)))
	})
}
