package store

import (
	bolt "go.etcd.io/bbolt"

	"chartkeeper/internal/boltschema"
)

// migration moves a store from version-1 to version. Migrations run in order,
// all in the one transaction that opens the store for writing, so a failure
// leaves the file as it was.
type migration = boltschema.Migration

// migrations is the ordered list of schema changes. Append only: a released
// migration is never edited, since stores in the field already ran it.
var migrations = []migration{
	{Version: 1, Name: "initial layout", Apply: func(tx *bolt.Tx) error {
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
	{Version: 2, Name: "sync checkpoints", Apply: func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucketSync)
		return err
	}},
	// Schema 3: the index of records with concurrent heads (merge.go).
	{Version: 3, Name: "conflict index", Apply: migrateConflictIndex},
	// Schema 4: a store made before compartment keys is marked; it moves
	// to them at the first HIM sign-in (migratekeys.go).
	{Version: 4, Name: "mark for compartment keys", Apply: markOneKeyStore},
	// Schema 5: a store made before clinical documents were sealed to the
	// clinical compartment is marked; the key is published at the first
	// HIM sign-in (clinicaldocs.go).
	{Version: 5, Name: "mark for the clinical document key", Apply: markClinicalDocs},
	// Schema 6: the state digest, made at the next sign-in (digest.go).
	{Version: 6, Name: "state digest", Apply: migrateDigest},
}

// schema is where the store's version is kept (package boltschema runs
// the migrations).
var schema = boltschema.Schema{Bucket: bucketMeta, Key: keySchema, TooNew: ErrSchemaTooNew, What: "store"}

// schemaVersion is the version a store has after every migration of list.
func schemaVersion(list []migration) uint64 { return boltschema.Latest(list) }

// readSchema returns the store's schema version (0 for a new file).
func readSchema(tx *bolt.Tx) uint64 { return schema.Version(tx) }

// migrate runs every migration of list newer than the store's version.
func migrate(tx *bolt.Tx, list []migration) error { return schema.Migrate(tx, list) }
