package boltbackend

import (
	"context"
	"encoding/binary"
	"sync"

	bolt "go.etcd.io/bbolt"

	"chartkeeper/syncproto"
)

// quota is the backend's storage quota. The running total of each
// practice is its key "usage" (8 bytes, big-endian), written by every
// write and, for the practices of files made before it, by migration 2.
type quota struct {
	mu    sync.Mutex
	limit int64
}

func (b *backend) SetQuota(n int64) {
	b.quota.mu.Lock()
	b.quota.limit = n
	b.quota.mu.Unlock()
}

func (b *backend) Usage(ctx context.Context, pid string) (n int64, err error) {
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
func (b *backend) addUsage(p *bolt.Bucket, delta int64) error {
	return b.addUsageAhead(p, delta, 0)
}

// addUsageAhead is addUsage that also refuses when ahead more bytes (an
// upload announced now) would not fit.
func (b *backend) addUsageAhead(p *bolt.Bucket, delta, ahead int64) error {
	if delta == 0 {
		return nil
	}
	n := max(usageOf(p)+delta, 0)
	b.quota.mu.Lock()
	limit := b.quota.limit
	b.quota.mu.Unlock()
	if delta > 0 && limit > 0 && n+ahead > limit {
		return syncproto.ErrQuotaExceeded
	}
	return p.Put(kUsage, binary.BigEndian.AppendUint64(nil, uint64(n)))
}
