package boltbackend

import (
	"context"
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
			e.Sealed, expired = nil, true
			return put()
		}
		if is, err := getDevice(p, e.Issuer); err != nil || !is.Revoked.IsZero() {
			return syncproto.ErrIssuerRevoked
		}
		if p.Bucket(bDevices).Get([]byte(d.ID)) != nil {
			return syncproto.ErrDeviceExists
		}
		if err := putDevice(p, d); err != nil {
			return err
		}
		sealed = e.Sealed
		e.Sealed, e.Used, e.UsedBy = nil, now.UTC(), d.ID
		return put()
	})
	if err == nil && expired {
		return nil, syncproto.ErrEnrollmentExpired
	}
	return sealed, err
}
