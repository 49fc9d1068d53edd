package sync

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The bbolt backend's file, server.db:
//
//	server/
//	  id                      this server's random ID
//	p/<practiceID>/           one bucket per practice
//	  info                    JSON: registration time
//	  devices/<deviceID>      JSON Device (token hash, times)
//	  index/<recordID>\x00<rev>   sequence number (8 bytes)
//	  log/<seq>               device | record ID | rev | parents | sealed
//	  enroll/<token hash>     JSON Enrollment (sealed bytes until used or expired)
//	  usage                   stored bytes, a running total (quota.go)
//
// Nothing in it is readable patient data: record and device IDs are random,
// revisions are hashes, and the sealed bytes open only with the practice's
// data key, which the server never has.
type boltBackend struct {
	db    *bolt.DB
	id    string
	quota boltQuota // quota.go
}

// BoltFileName is the bbolt backend's file in the server's data folder.
const BoltFileName = "server.db"

var (
	bServer   = []byte("server")
	bPractice = []byte("p")
	bDevices  = []byte("devices")
	bIndex    = []byte("index")
	bLog      = []byte("log")
	bEnroll   = []byte("enroll")
	kID       = []byte("id")
	kInfo     = []byte("info")
)

// OpenBolt opens (creating if needed) the bbolt backend in dir.
func OpenBolt(dir string) (Backend, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	db, err := bolt.Open(filepath.Join(dir, BoltFileName), 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("opening the server store: %w", err)
	}
	b := &boltBackend{db: db}
	err = db.Update(func(tx *bolt.Tx) error {
		s, err := tx.CreateBucketIfNotExists(bServer)
		if err != nil {
			return err
		}
		if _, err := tx.CreateBucketIfNotExists(bPractice); err != nil {
			return err
		}
		if err := countUsage(tx); err != nil {
			return err
		}
		if v := s.Get(kID); v != nil {
			b.id = string(v)
			return nil
		}
		id := make([]byte, 16)
		rand.Read(id)
		b.id = hex.EncodeToString(id)
		return s.Put(kID, []byte(b.id))
	})
	if err != nil {
		db.Close()
		return nil, err
	}
	return b, nil
}

func (b *boltBackend) ServerID() string { return b.id }
func (b *boltBackend) Close() error     { return b.db.Close() }

func (b *boltBackend) practice(tx *bolt.Tx, pid string) (*bolt.Bucket, error) {
	p := tx.Bucket(bPractice).Bucket([]byte(pid))
	if p == nil {
		return nil, ErrUnknownPractice
	}
	return p, nil
}

func (b *boltBackend) RegisterPractice(ctx context.Context, pid string, first Device) error {
	return b.db.Update(func(tx *bolt.Tx) error {
		root := tx.Bucket(bPractice)
		if root.Bucket([]byte(pid)) != nil {
			return ErrPracticeExists
		}
		p, err := root.CreateBucket([]byte(pid))
		if err != nil {
			return err
		}
		info, _ := json.Marshal(struct {
			Registered time.Time `json:"registered"`
		}{first.Created})
		if err := p.Put(kInfo, info); err != nil {
			return err
		}
		for _, name := range [][]byte{bDevices, bIndex, bLog} {
			if _, err := p.CreateBucket(name); err != nil {
				return err
			}
		}
		return putDevice(p, first)
	})
}

func putDevice(p *bolt.Bucket, d Device) error {
	v, err := json.Marshal(d)
	if err != nil {
		return err
	}
	return p.Bucket(bDevices).Put([]byte(d.ID), v)
}

func getDevice(p *bolt.Bucket, id string) (Device, error) {
	var d Device
	v := p.Bucket(bDevices).Get([]byte(id))
	if v == nil {
		return d, ErrUnknownDevice
	}
	err := json.Unmarshal(v, &d)
	return d, err
}

func (b *boltBackend) AddDevice(ctx context.Context, pid string, d Device) error {
	return b.db.Update(func(tx *bolt.Tx) error {
		p, err := b.practice(tx, pid)
		if err != nil {
			return err
		}
		if p.Bucket(bDevices).Get([]byte(d.ID)) != nil {
			return ErrDeviceExists
		}
		return putDevice(p, d)
	})
}

func (b *boltBackend) Device(ctx context.Context, pid, id string) (d Device, err error) {
	err = b.db.View(func(tx *bolt.Tx) error {
		p, err := b.practice(tx, pid)
		if err != nil {
			return err
		}
		d, err = getDevice(p, id)
		return err
	})
	return d, err
}

func (b *boltBackend) Devices(ctx context.Context, pid string) (ds []Device, err error) {
	err = b.db.View(func(tx *bolt.Tx) error {
		p, err := b.practice(tx, pid)
		if err != nil {
			return err
		}
		return p.Bucket(bDevices).ForEach(func(k, v []byte) error {
			var d Device
			if err := json.Unmarshal(v, &d); err != nil {
				return err
			}
			ds = append(ds, d)
			return nil
		})
	})
	return ds, err
}

func (b *boltBackend) RevokeDevice(ctx context.Context, pid, id string, at time.Time) error {
	return b.db.Update(func(tx *bolt.Tx) error {
		p, err := b.practice(tx, pid)
		if err != nil {
			return err
		}
		d, err := getDevice(p, id)
		if err != nil {
			return err
		}
		if !d.Revoked.IsZero() {
			return nil
		}
		d.Revoked = at.UTC()
		return putDevice(p, d)
	})
}

func indexKey(id, rev string) []byte { return append(append([]byte(id), 0), rev...) }

func (b *boltBackend) Push(ctx context.Context, pid, device string, revs []Rev) (PushResponse, error) {
	var res PushResponse
	err := b.db.Update(func(tx *bolt.Tx) error {
		res = PushResponse{}
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
					return fmt.Errorf("%w: record %s revision %s", ErrMissingParent, r.RecordID, par)
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
			added += int64(len(r.Sealed))
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

func encodeLogRev(device string, r *Rev) []byte {
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

func decodeLogRev(seq uint64, v []byte) (Rev, error) {
	r := logReader{b: v}
	rev := Rev{Seq: seq}
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

func (b *boltBackend) Changes(ctx context.Context, pid string, since uint64, limit, maxBytes int, skip string) (ChangesResponse, error) {
	res := ChangesResponse{LastSeq: since, Revs: []Rev{}}
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
		// back from an older copy) answers with its real end.
		if k, _ := c.Last(); len(res.Revs) == 0 && res.LastSeq == since {
			res.LastSeq = 0
			if k != nil {
				res.LastSeq = min(since, binary.BigEndian.Uint64(k))
			}
		}
		return nil
	})
	return res, err
}

func (b *boltBackend) AddEnrollment(ctx context.Context, pid string, e Enrollment) error {
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
			return fmt.Errorf("%w: enrollment token reused", ErrBadRequest)
		}
		v, err := json.Marshal(e)
		if err != nil {
			return err
		}
		return eb.Put(e.TokenHash, v)
	})
}

func (b *boltBackend) RedeemEnrollment(ctx context.Context, pid string, tokenHash []byte, d Device, now time.Time) ([]byte, error) {
	var (
		sealed  []byte
		expired bool // the transaction commits: the sealed bytes are forgotten
	)
	err := b.db.Update(func(tx *bolt.Tx) error {
		expired = false
		p, err := b.practice(tx, pid)
		if errors.Is(err, ErrUnknownPractice) {
			return ErrUnknownEnrollment
		}
		if err != nil {
			return err
		}
		eb := p.Bucket(bEnroll)
		if eb == nil {
			return ErrUnknownEnrollment
		}
		v := eb.Get(tokenHash)
		if v == nil {
			return ErrUnknownEnrollment
		}
		var e Enrollment
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
			return ErrEnrollmentUsed
		case e.Sealed == nil:
			return ErrEnrollmentExpired // found expired before; the clock may have gone back
		case !now.Before(e.Expires):
			e.Sealed, expired = nil, true
			return put()
		}
		if is, err := getDevice(p, e.Issuer); err != nil || !is.Revoked.IsZero() {
			return ErrIssuerRevoked
		}
		if p.Bucket(bDevices).Get([]byte(d.ID)) != nil {
			return ErrDeviceExists
		}
		if err := putDevice(p, d); err != nil {
			return err
		}
		sealed = e.Sealed
		e.Sealed, e.Used, e.UsedBy = nil, now.UTC(), d.ID
		return put()
	})
	if err == nil && expired {
		return nil, ErrEnrollmentExpired
	}
	return sealed, err
}
