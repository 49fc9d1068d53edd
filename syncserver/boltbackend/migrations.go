package boltbackend

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"

	bolt "go.etcd.io/bbolt"

	"chartkeeper/internal/boltschema"
	"chartkeeper/syncserver"
)

// migration moves server.db from version-1 to version. Migrations run in
// order, all in the one transaction that opens the file, so a failure
// leaves the file as it was. Files made before the schema version was kept
// have none and run every migration; each migration therefore leaves alone
// what such a file already has.
type migration = boltschema.Migration

// migrations is the ordered list of schema changes. Append only: a released
// migration is never edited, since servers in the field already ran it.
var migrations = []migration{
	{Version: 1, Name: "initial layout", Apply: initialLayout},
	// Schema 2: each practice's running total of stored bytes (quota.go),
	// counted from what it stores for practices that lack one.
	{Version: 2, Name: "storage usage", Apply: countUsage},
	// Schema 3: the running totals count every stored item's charge
	// (syncserver's RevSize, DeviceSize, EnrollmentSize and the rest), not
	// only sealed bytes; every practice's total is counted again.
	{Version: 3, Name: "storage usage with metadata", Apply: recountUsage},
	// Schema 4: devices carry their public signing key ("public_key" in
	// their JSON). Nothing to rewrite: devices enrolled before have none
	// and register one once (SetDeviceKey). The version is raised so an
	// older chartkeeperd refuses the file rather than rewrite a device
	// without its key (a revocation would drop it, and the device's token
	// alone could then register another).
	{Version: 4, Name: "device signing keys", Apply: func(*bolt.Tx) error { return nil }},
	// Schema 5: practices carry their administration and recovery public
	// keys ("keys"). Nothing to rewrite: a practice registered before has
	// none until an HIM manager sets them (POST /v1/practice/keys). The
	// version is raised so an older chartkeeperd, which would accept
	// revocations and enrollments without the administration signature,
	// refuses the file.
	{Version: 5, Name: "practice administration keys", Apply: func(*bolt.Tx) error { return nil }},
	// Schema 6: each device's last state (devicestate.go).
	{Version: 6, Name: "device states", Apply: migrateDeviceStates},
}

// ErrSchemaTooNew means server.db was written by a newer chartkeeperd.
var ErrSchemaTooNew = errors.New("the server store was written by a newer chartkeeperd; update this one")

// schema is where the file's version is kept (package boltschema runs
// the migrations).
var schema = boltschema.Schema{Bucket: bServer, Key: kSchema, TooNew: ErrSchemaTooNew, What: "server store"}

// schemaVersion is the version a file has after every migration of list.
func schemaVersion(list []migration) uint64 { return boltschema.Latest(list) }

// readSchema returns the file's schema version (0 for a new file).
func readSchema(tx *bolt.Tx) uint64 { return schema.Version(tx) }

// migrate runs every migration of list newer than the file's version.
func migrate(tx *bolt.Tx, list []migration) error { return schema.Migrate(tx, list) }

// initialLayout makes the top-level buckets and the server's random ID
// (kept when the file has one).
func initialLayout(tx *bolt.Tx) error {
	s, err := tx.CreateBucketIfNotExists(bServer)
	if err != nil {
		return err
	}
	if _, err := tx.CreateBucketIfNotExists(bPractice); err != nil {
		return err
	}
	if s.Get(kID) != nil {
		return nil
	}
	id := make([]byte, 16)
	rand.Read(id)
	return s.Put(kID, []byte(hex.EncodeToString(id)))
}

// recountUsage sets every practice's running total to the charge of what
// it stores, by the rule every write now follows.
func recountUsage(tx *bolt.Tx) error {
	ps := tx.Bucket(bPractice)
	return ps.ForEachBucket(func(k []byte) error {
		p := ps.Bucket(k)
		n, err := chargeOf(p)
		if err != nil {
			return err
		}
		return p.Put(kUsage, binary.BigEndian.AppendUint64(nil, uint64(n)))
	})
}

// chargeOf is the charge of everything a practice stores.
func chargeOf(p *bolt.Bucket) (int64, error) {
	n := int64(syncserver.ItemOverhead) // the practice itself
	err := p.Bucket(bDevices).ForEach(func(k, v []byte) error {
		var d syncserver.Device
		err := json.Unmarshal(v, &d)
		n += syncserver.DeviceSize(d)
		return err
	})
	if err != nil {
		return 0, err
	}
	if log := p.Bucket(bLog); log != nil {
		if err := log.ForEach(func(k, v []byte) error {
			r, err := decodeLogRev(0, v)
			n += syncserver.RevSize(r)
			return err
		}); err != nil {
			return 0, err
		}
	}
	if eb := p.Bucket(bEnroll); eb != nil {
		if err := eb.ForEach(func(k, v []byte) error {
			var e syncserver.Enrollment
			err := json.Unmarshal(v, &e)
			n += syncserver.EnrollmentSize(e)
			return err
		}); err != nil {
			return 0, err
		}
	}
	if mb := p.Bucket(bBlobs); mb != nil {
		n += int64(mb.Stats().KeyN) * syncserver.BlobBeginSize
	}
	if data := p.Bucket(bBlobData); data != nil {
		data.ForEach(func(k, v []byte) error { n += int64(len(v)); return nil })
	}
	if ab := p.Bucket(bAudit); ab != nil {
		ab.ForEachBucket(func(dev []byte) error {
			return ab.Bucket(dev).ForEach(func(k, v []byte) error {
				if len(k) == 8 {
					n += syncserver.AuditEntrySize(v)
				}
				return nil
			})
		})
	}
	return n, nil
}

// countUsage gives every practice without a running total its total, by
// reading what it stores: sealed revisions, blob chunks and headers,
// audit entries.
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
