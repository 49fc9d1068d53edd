package boltbackend

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"chartkeeper/store"
	"chartkeeper/syncproto"
	"chartkeeper/syncserver"
)

// Audit streams, beside the revision log in the practice's bucket audit
// (see doc.go), made on first use. As with revisions, nothing in it is
// readable: device IDs are random and the entries open only with the
// practice's data key.

func auditMeta(b *bolt.Bucket, device string) (syncproto.AuditStream, error) {
	st := syncproto.AuditStream{Device: device}
	if b == nil {
		return st, nil
	}
	if v := b.Get(kMeta); v != nil {
		if err := json.Unmarshal(v, &st); err != nil {
			return st, err
		}
	}
	st.Device = device
	return st, nil
}

func (b *backend) AuditStreams(ctx context.Context, pid string) (out []syncproto.AuditStream, err error) {
	err = b.db.View(func(tx *bolt.Tx) error {
		out = nil
		p, err := b.practice(tx, pid)
		if err != nil {
			return err
		}
		ab := p.Bucket(bAudit)
		if ab == nil {
			return nil
		}
		return ab.ForEachBucket(func(k []byte) error {
			st, err := auditMeta(ab.Bucket(k), string(k))
			if err != nil {
				return err
			}
			if d, err := getDevice(p, st.Device); err == nil {
				st.Name = d.Name
			}
			out = append(out, st)
			return nil
		})
	})
	return out, err
}

func (b *backend) AppendAudit(ctx context.Context, pid, device string, req syncproto.AuditPushRequest, now time.Time) (syncproto.AuditStream, error) {
	var (
		res     syncproto.AuditStream
		refusal error // committed with the refusal note, then returned
	)
	err := b.db.Update(func(tx *bolt.Tx) error {
		refusal = nil
		p, err := b.practice(tx, pid)
		if err != nil {
			return err
		}
		ab, err := p.CreateBucketIfNotExists(bAudit)
		if err != nil {
			return err
		}
		db, err := ab.CreateBucketIfNotExists([]byte(device))
		if err != nil {
			return err
		}
		cur, err := auditMeta(db, device)
		if err != nil {
			return err
		}
		add, next, err := syncserver.PlanAuditAppend(cur, req, now, func(seq uint64) ([]byte, error) {
			v := db.Get(binary.BigEndian.AppendUint64(nil, seq))
			if v == nil {
				return nil, errBadLog
			}
			return v, nil
		})
		if errors.Is(err, syncproto.ErrAuditDiverged) {
			refusal = err
		} else if err != nil {
			return err
		}
		var added int64
		for _, e := range add {
			if err := db.Put(binary.BigEndian.AppendUint64(nil, e.Seq), e.Stored); err != nil {
				return err
			}
			added += syncserver.AuditEntrySize(e.Stored)
		}
		if err := b.addUsage(p, added); err != nil {
			return err
		}
		next.Name = ""
		v, err := json.Marshal(next)
		if err != nil {
			return err
		}
		res = next
		return db.Put(kMeta, v)
	})
	if err != nil {
		return syncproto.AuditStream{}, err
	}
	if refusal != nil {
		return syncproto.AuditStream{}, refusal
	}
	return res, nil
}

func (b *backend) AuditEntries(ctx context.Context, pid, device string, since uint64, limit, maxBytes int) (syncproto.AuditEntriesResponse, error) {
	res := syncproto.AuditEntriesResponse{Entries: []store.AuditWire{}}
	err := b.db.View(func(tx *bolt.Tx) error {
		p, err := b.practice(tx, pid)
		if err != nil {
			return err
		}
		ab := p.Bucket(bAudit)
		if ab == nil {
			return nil
		}
		db := ab.Bucket([]byte(device))
		if db == nil {
			return nil
		}
		c := db.Cursor()
		size := 0
		for k, v := c.Seek(binary.BigEndian.AppendUint64(nil, since+1)); k != nil; k, v = c.Next() {
			if len(k) != 8 || bytes.Equal(k, kMeta) {
				continue
			}
			if len(res.Entries) >= limit || (len(res.Entries) > 0 && size+len(v) > maxBytes) {
				res.More = true
				return nil
			}
			size += len(v)
			res.Entries = append(res.Entries, store.AuditWire{Seq: binary.BigEndian.Uint64(k), Stored: slices.Clone(v)})
		}
		return nil
	})
	return res, err
}
