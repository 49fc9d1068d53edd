package boltbackend

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"

	"chartkeeper/syncproto"
	"chartkeeper/syncserver"
)

// The revision log: push, changes, and the encoding of a log entry.

func indexKey(id, rev string) []byte { return append(append([]byte(id), 0), rev...) }

func (b *backend) Push(ctx context.Context, pid, device string, revs []syncproto.Rev) (syncproto.PushResponse, error) {
	var res syncproto.PushResponse
	err := b.db.Update(func(tx *bolt.Tx) error {
		res = syncproto.PushResponse{}
		p, err := b.practice(tx, pid)
		if err != nil {
			return err
		}
		idx, log := p.Bucket(bIndex), p.Bucket(bLog)
		var added int64
		for i := range revs {
			r := &revs[i]
			if idx.Get(indexKey(r.RecordID, r.Rev)) != nil {
				res.Existing++
				continue
			}
			for _, par := range r.Parents {
				if idx.Get(indexKey(r.RecordID, par)) == nil {
					return fmt.Errorf("%w: record %s revision %s", syncproto.ErrMissingParent, r.RecordID, par)
				}
			}
			seq, err := log.NextSequence()
			if err != nil {
				return err
			}
			k := binary.BigEndian.AppendUint64(nil, seq)
			if err := idx.Put(indexKey(r.RecordID, r.Rev), k); err != nil {
				return err
			}
			if err := log.Put(k, encodeLogRev(device, r)); err != nil {
				return err
			}
			res.Inserted++
			added += syncserver.RevSize(*r)
		}
		res.LastSeq = log.Sequence()
		return b.addUsage(p, added)
	})
	return res, err
}

func appendStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func encodeLogRev(device string, r *syncproto.Rev) []byte {
	b := make([]byte, 0, 128+len(r.Sealed))
	b = appendStr(b, device)
	b = appendStr(b, r.RecordID)
	b = appendStr(b, r.Rev)
	b = binary.AppendUvarint(b, uint64(len(r.Parents)))
	for _, p := range r.Parents {
		b = appendStr(b, p)
	}
	return append(b, r.Sealed...)
}

var errBadLog = errors.New("server store: damaged log entry")

type logReader struct {
	b   []byte
	bad bool
}

func (r *logReader) str() string {
	n, k := binary.Uvarint(r.b)
	if k <= 0 || n > uint64(len(r.b)-k) {
		r.bad = true
		return ""
	}
	s := string(r.b[k : k+int(n)])
	r.b = r.b[k+int(n):]
	return s
}

// logDevice reads only the pusher of a log entry.
func logDevice(v []byte) string {
	r := logReader{b: v}
	return r.str()
}

func decodeLogRev(seq uint64, v []byte) (syncproto.Rev, error) {
	r := logReader{b: v}
	rev := syncproto.Rev{Seq: seq}
	rev.Device = r.str()
	rev.RecordID = r.str()
	rev.Rev = r.str()
	n, k := binary.Uvarint(r.b)
	if k <= 0 || n > 64 {
		return rev, errBadLog
	}
	r.b = r.b[k:]
	for i := uint64(0); i < n; i++ {
		rev.Parents = append(rev.Parents, r.str())
	}
	if r.bad {
		return rev, errBadLog
	}
	rev.Sealed = slices.Clone(r.b)
	return rev, nil
}

func (b *backend) Changes(ctx context.Context, pid string, since uint64, limit, maxBytes int, skip string) (syncproto.ChangesResponse, error) {
	res := syncproto.ChangesResponse{LastSeq: since, Revs: []syncproto.Rev{}}
	err := b.db.View(func(tx *bolt.Tx) error {
		p, err := b.practice(tx, pid)
		if err != nil {
			return err
		}
		c := p.Bucket(bLog).Cursor()
		size := 0
		k, v := c.Seek(binary.BigEndian.AppendUint64(nil, since+1))
		for ; k != nil; k, v = c.Next() {
			if len(res.Revs) >= limit || (len(res.Revs) > 0 && size >= maxBytes) {
				res.More = true
				return nil
			}
			seq := binary.BigEndian.Uint64(k)
			if skip != "" && logDevice(v) == skip {
				res.LastSeq = seq
				continue
			}
			if len(res.Revs) > 0 && size+len(v) > maxBytes {
				res.More = true
				return nil
			}
			r, err := decodeLogRev(seq, v)
			if err != nil {
				return err
			}
			size += len(r.Sealed)
			res.Revs = append(res.Revs, r)
			res.LastSeq = seq
		}
		// Nothing after since: a log that ends before it (a server put
		// back from an older copy) answers with its real end: the last
		// sequence given out (revisions the operator removed leave it).
		if len(res.Revs) == 0 && res.LastSeq == since {
			res.LastSeq = min(since, logEnd(p.Bucket(bLog)))
		}
		return nil
	})
	return res, err
}

// logEnd is the last sequence number a bucket of sequence-numbered
// entries gave out: its counter, or its last key in a file where the
// counter lags (it never should).
func logEnd(b *bolt.Bucket) uint64 {
	end := b.Sequence()
	if k, _ := b.Cursor().Last(); len(k) == 8 {
		end = max(end, binary.BigEndian.Uint64(k))
	}
	return end
}
