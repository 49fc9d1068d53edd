package boltbackend

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"chartkeeper/syncproto"
	"chartkeeper/syncserver"
)

// One-time enrollments.

func (b *backend) AddEnrollment(ctx context.Context, pid string, e syncserver.Enrollment) error {
	return b.db.Update(func(tx *bolt.Tx) error {
		p, err := b.practice(tx, pid)
		if err != nil {
			return err
		}
		// Practices registered before enrollment codes lack the bucket.
		eb, err := p.CreateBucketIfNotExists(bEnroll)
		if err != nil {
			return err
		}
		if eb.Get(e.TokenHash) != nil {
			return fmt.Errorf("%w: enrollment token reused", syncproto.ErrBadRequest)
		}
		if err := b.addUsage(p, syncserver.EnrollmentSize(e)); err != nil {
			return err
		}
		v, err := json.Marshal(e)
		if err != nil {
			return err
		}
		return eb.Put(e.TokenHash, v)
	})
}

func (b *backend) RedeemEnrollment(ctx context.Context, pid string, tokenHash []byte, d syncserver.Device, now time.Time) ([]byte, error) {
	var (
		sealed  []byte
		expired bool // the transaction commits: the sealed bytes are forgotten
	)
	err := b.db.Update(func(tx *bolt.Tx) error {
		expired = false
		p, err := b.practice(tx, pid)
		if errors.Is(err, syncproto.ErrUnknownPractice) {
			return syncproto.ErrUnknownEnrollment
		}
		if err != nil {
			return err
		}
		eb := p.Bucket(bEnroll)
		if eb == nil {
			return syncproto.ErrUnknownEnrollment
		}
		v := eb.Get(tokenHash)
		if v == nil {
			return syncproto.ErrUnknownEnrollment
		}
		var e syncserver.Enrollment
		if err := json.Unmarshal(v, &e); err != nil {
			return err
		}
		put := func() error {
			v, err := json.Marshal(e)
			if err != nil {
				return err
			}
			return eb.Put(tokenHash, v)
		}
		switch {
		case !e.Used.IsZero():
			return syncproto.ErrEnrollmentUsed
		case e.Sealed == nil:
			return syncproto.ErrEnrollmentExpired // found expired before; the clock may have gone back
		case !now.Before(e.Expires):
			if err := b.addUsage(p, -int64(len(e.Sealed))); err != nil {
				return err
			}
			e.Sealed, expired = nil, true
			return put()
		}
		if is, err := getDevice(p, e.Issuer); err != nil || !is.Revoked.IsZero() {
			return syncproto.ErrIssuerRevoked
		}
		if p.Bucket(bDevices).Get([]byte(d.ID)) != nil {
			return syncproto.ErrDeviceExists
		}
		if err := b.addUsage(p, syncserver.DeviceSize(d)+int64(len(d.ID)-len(e.Sealed))); err != nil {
			return err
		}
		if err := putDevice(p, d); err != nil {
			return err
		}
		sealed = e.Sealed
		e.Sealed, e.Used, e.UsedBy = nil, now.UTC(), d.ID
		return put()
	})
	if err == nil {
		b.scrubDue.Store(true) // the sealed bytes' old pages
	}
	if err == nil && expired {
		return nil, syncproto.ErrEnrollmentExpired
	}
	return sealed, err
}

// SweepEnrollments forgets the sealed bytes of every enrollment expired at
// now, in one transaction, and then overwrites the file's free pages
// (scrubFreePages), so that the forgotten bytes are not left behind in
// pages bbolt has freed but not reused. A redeem's forgotten bytes are
// overwritten by the next sweep.
func (b *backend) SweepEnrollments(ctx context.Context, now time.Time) (int, error) {
	n := 0
	err := b.db.Update(func(tx *bolt.Tx) error {
		n = 0
		return tx.Bucket(bPractice).ForEachBucket(func(pid []byte) error {
			p := tx.Bucket(bPractice).Bucket(pid)
			eb := p.Bucket(bEnroll)
			if eb == nil {
				return nil
			}
			type upd struct{ k, v []byte }
			var ups []upd
			var freed int64
			err := eb.ForEach(func(k, v []byte) error {
				var e syncserver.Enrollment
				if err := json.Unmarshal(v, &e); err != nil {
					return err
				}
				if e.Sealed == nil || now.Before(e.Expires) {
					return nil
				}
				freed += int64(len(e.Sealed))
				e.Sealed = nil
				nv, err := json.Marshal(e)
				if err != nil {
					return err
				}
				ups = append(ups, upd{bytes.Clone(k), nv})
				return nil
			})
			if err != nil {
				return err
			}
			for _, u := range ups {
				if err := eb.Put(u.k, u.v); err != nil {
					return err
				}
			}
			n += len(ups)
			if len(ups) > 0 {
				return b.addUsage(p, -freed)
			}
			return nil
		})
	})
	if err != nil {
		return 0, err
	}
	if n > 0 || b.scrubDue.Swap(false) {
		if err := b.scrubFreePages(); err != nil {
			b.scrubDue.Store(true)
			return n, fmt.Errorf("overwriting the server store's free pages: %w", err)
		}
	}
	return n, nil
}

// bScrub is a bucket that exists only while free pages are overwritten.
var bScrub = []byte("scrub")

// scrubFreePages overwrites the file's free pages: bbolt writes every
// change to new pages and frees the old ones without clearing them, so
// bytes the server has forgotten stay in the file until their pages are
// reused. It fills a temporary bucket with zeros until every page that was
// free (or pending) has been written again, one transaction per 1,024
// pages, then deletes it; the pages it frees hold only zeros. Pages still
// read by an open transaction stay pending and are overwritten by the next
// scrub.
func (b *backend) scrubFreePages() error {
	st := b.db.Stats()
	pages := st.FreePageN + st.PendingPageN + 8
	psz := b.db.Info().PageSize
	// Two values fill one leaf page, so every allocation is of one page
	// and takes a free one first.
	zero := make([]byte, psz/2-64)
	var key uint64
	for done := 0; done < pages; done += 1024 {
		err := b.db.Update(func(tx *bolt.Tx) error {
			sb, err := tx.CreateBucketIfNotExists(bScrub)
			if err != nil {
				return err
			}
			sb.FillPercent = 1
			for range 2 * min(1024, pages-done) {
				key++
				if err := sb.Put(binary.BigEndian.AppendUint64(nil, key), zero); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return b.db.Update(func(tx *bolt.Tx) error {
		if tx.Bucket(bScrub) == nil {
			return nil
		}
		return tx.DeleteBucket(bScrub)
	})
}
