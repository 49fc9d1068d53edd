package store

import (
	"errors"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"
)

func openRawDB(t *testing.T) *bolt.DB {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "m.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestMigration1InitialLayout: a new file gets every bucket and version 1.
func TestMigration1InitialLayout(t *testing.T) {
	db := openRawDB(t)
	if err := db.Update(func(tx *bolt.Tx) error { return migrate(tx, migrations[:1]) }); err != nil {
		t.Fatal(err)
	}
	db.View(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketMeta, bucketSlots, bucketUnlockFail, bucketRevs, bucketTypes, bucketChanges, bucketBlobs, bucketBlobIndex, bucketAudit} {
			if tx.Bucket(b) == nil {
				t.Errorf("bucket %s missing", b)
			}
		}
		if v := readSchema(tx); v != 1 {
			t.Errorf("schema %d", v)
		}
		return nil
	})
}

func TestMigrationsRunInOrderOnce(t *testing.T) {
	db := openRawDB(t)
	var ran []uint64
	list := []migration{
		{Version: 1, Name: "one", Apply: func(*bolt.Tx) error { ran = append(ran, 1); return nil }},
		{Version: 2, Name: "two", Apply: func(*bolt.Tx) error { ran = append(ran, 2); return nil }},
	}
	for i := 0; i < 2; i++ {
		if err := db.Update(func(tx *bolt.Tx) error { return migrate(tx, list) }); err != nil {
			t.Fatal(err)
		}
	}
	list = append(list, migration{Version: 3, Name: "three", Apply: func(*bolt.Tx) error { ran = append(ran, 3); return nil }})
	if err := db.Update(func(tx *bolt.Tx) error { return migrate(tx, list) }); err != nil {
		t.Fatal(err)
	}
	if len(ran) != 3 || ran[0] != 1 || ran[1] != 2 || ran[2] != 3 {
		t.Fatalf("ran %v, want [1 2 3]", ran)
	}
}

// A failing migration leaves the file at its old version, unchanged.
func TestMigrationFailureRollsBack(t *testing.T) {
	db := openRawDB(t)
	list := []migration{
		{Version: 1, Name: "one", Apply: migrations[0].Apply},
		{Version: 2, Name: "breaks", Apply: func(tx *bolt.Tx) error {
			tx.Bucket(bucketMeta).Put([]byte("half"), []byte("done"))
			return errors.New("disk on fire")
		}},
	}
	if err := db.Update(func(tx *bolt.Tx) error { return migrate(tx, list) }); err == nil {
		t.Fatal("migration error swallowed")
	}
	db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketMeta) != nil {
			t.Error("a failed migration left buckets behind")
		}
		return nil
	})
}

func TestMigrationRefusesNewerStore(t *testing.T) {
	db := openRawDB(t)
	list := []migration{{Version: 1, Name: "one", Apply: migrations[0].Apply}, {Version: 2, Name: "two", Apply: func(*bolt.Tx) error { return nil }}}
	db.Update(func(tx *bolt.Tx) error { return migrate(tx, list) })
	if err := db.Update(func(tx *bolt.Tx) error { return migrate(tx, list[:1]) }); !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("older program on a newer store: %v", err)
	}
}

func TestMigrationListMustBeContiguous(t *testing.T) {
	db := openRawDB(t)
	list := []migration{{Version: 1, Name: "one", Apply: migrations[0].Apply}, {Version: 3, Name: "gap", Apply: func(*bolt.Tx) error { return nil }}}
	if err := db.Update(func(tx *bolt.Tx) error { return migrate(tx, list) }); err == nil {
		t.Fatal("a gap in the migration list was accepted")
	}
}
