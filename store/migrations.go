package store

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// migration moves a store from version-1 to version. Migrations run in order,
// all in the one transaction that opens the store for writing, so a failure
// leaves the file as it was.
type migration struct {
	version uint64
	name    string
	apply   func(tx *bolt.Tx) error
}

// migrations is the ordered list of schema changes. Append only: a released
// migration is never edited, since stores in the field already ran it.
var migrations = []migration{
	{1, "initial layout", func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketMeta, bucketSlots, bucketUnlockFail, bucketRevs,
			bucketTypes, bucketChanges, bucketBlobs, bucketBlobIndex, bucketAudit} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	}},
	// Schema 2: sync checkpoints, and change feed entries that may carry a
	// "came from the server" flag (which schema 1 programs would misread).
	{2, "sync checkpoints", func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucketSync)
		return err
	}},
	// Schema 3: the index of records with concurrent heads (merge.go).
	{3, "conflict index", migrateConflictIndex},
}

// schemaVersion is the version a store has after all migrations.
func schemaVersion(list []migration) uint64 {
	if len(list) == 0 {
		return 0
	}
	return list[len(list)-1].version
}

// readSchema returns the store's schema version (0 for a new file).
func readSchema(tx *bolt.Tx) uint64 {
	b := tx.Bucket(bucketMeta)
	if b == nil {
		return 0
	}
	v := b.Get(keySchema)
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

// migrate runs every migration newer than the store's version, in order, and
// records the new version. It refuses a store newer than this program.
func migrate(tx *bolt.Tx, list []migration) error {
	cur := readSchema(tx)
	if cur > schemaVersion(list) {
		return fmt.Errorf("%w (store schema %d, this program knows up to %d)", ErrSchemaTooNew, cur, schemaVersion(list))
	}
	for i, m := range list {
		if i > 0 && m.version != list[i-1].version+1 {
			return fmt.Errorf("migration list is out of order at %q", m.name)
		}
		if m.version <= cur {
			continue
		}
		if err := m.apply(tx); err != nil {
			return fmt.Errorf("schema migration %d (%s): %w", m.version, m.name, err)
		}
		b, err := tx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return err
		}
		if err := b.Put(keySchema, binary.BigEndian.AppendUint64(nil, m.version)); err != nil {
			return err
		}
	}
	return nil
}
