// Package boltschema runs numbered schema migrations on a bbolt file: the
// workstation's store and the sync server's storage keep their layouts the
// same way.
//
// A file records the version of the last migration it ran under one key
// of one bucket. Opening it runs, in one transaction, every migration of
// the ordered list that is newer than that version, and refuses a file
// newer than the list (written by a newer program). A list is append only:
// a released migration is never edited, since files in the field already
// ran it. Each migration has a test of its own in the package that owns it.
package boltschema

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Migration is one numbered schema change.
type Migration struct {
	Version uint64
	Name    string
	Apply   func(tx *bolt.Tx) error
}

// Schema says where a file keeps its version and how errors name it.
type Schema struct {
	Bucket, Key []byte
	// TooNew is wrapped by the error for a file newer than the list.
	TooNew error
	// What names the file in errors ("store", "server store").
	What string
}

// Latest is the version a file has after every migration of list.
func Latest(list []Migration) uint64 {
	if len(list) == 0 {
		return 0
	}
	return list[len(list)-1].Version
}

// Version is the file's schema version: 0 for a new file, or one made
// before versions were kept.
func (s Schema) Version(tx *bolt.Tx) uint64 {
	b := tx.Bucket(s.Bucket)
	if b == nil {
		return 0
	}
	v := b.Get(s.Key)
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

// Migrate runs every migration of list newer than the file's version, in
// order, recording each new version, and refuses a file newer than list.
func (s Schema) Migrate(tx *bolt.Tx, list []Migration) error {
	cur := s.Version(tx)
	if cur > Latest(list) {
		return fmt.Errorf("%w (%s schema %d, this program knows up to %d)", s.TooNew, s.What, cur, Latest(list))
	}
	for i, m := range list {
		if i > 0 && m.Version != list[i-1].Version+1 {
			return fmt.Errorf("migration list is out of order at %q", m.Name)
		}
		if m.Version <= cur {
			continue
		}
		if err := m.Apply(tx); err != nil {
			return fmt.Errorf("%s schema migration %d (%s): %w", s.What, m.Version, m.Name, err)
		}
		b, err := tx.CreateBucketIfNotExists(s.Bucket)
		if err != nil {
			return err
		}
		if err := b.Put(s.Key, binary.BigEndian.AppendUint64(nil, m.Version)); err != nil {
			return err
		}
	}
	return nil
}
