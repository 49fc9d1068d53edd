package pgbackend

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// The schema, table by table:
//
//	ck_schema_version  one row per applied migration (version, time)
//	ck_server          one row: this server's random ID
//	ck_practices       id, registration time, last_seq (the practice's
//	                   sequence; its row is locked by every push),
//	                   used_bytes (its stored bytes, a running total
//	                   updated by every write; see syncserver/quota.go),
//	                   admin_key and recovery_key (the practice's public
//	                   keys, migration 7; NULL when not set)
//	ck_devices         (practice_id, id): name, SHA-256 of the token,
//	                   public signing key (NULL for a device enrolled
//	                   before migration 6 until it registers one),
//	                   created, revoked (NULL while enrolled)
//	ck_revs            (practice_id, seq): record_id, rev, parents, the
//	                   pushing device and the sealed bytes; unique by
//	                   (practice_id, record_id, rev)
//	ck_enrollments     (practice_id, token_hash): sealed (NULL once used or
//	                   expired), issuer, created, expires, used, used_by
//	ck_blobs           (practice_id, id): declared size and chunk count,
//	                   the uploading device, times, and once committed the
//	                   blob sequence and the sealed header; its row is
//	                   locked by every chunk upload (shared) and the commit
//	                   (exclusive)
//	ck_blob_chunks     (practice_id, id, idx): the sealed chunk as the
//	                   workstation stores it
//	ck_blob_seqs       practice_id: the practice's last blob sequence; its
//	                   row is locked by every commit, so blob sequences
//	                   never repeat, leave no gaps and follow commit order
//	ck_audit_streams   (practice_id, device): last seq, its hash, the first
//	                   refusal (time, entry, reason); its row is locked by
//	                   every audit push of that device
//	ck_audit_entries   (practice_id, device, seq): the entry's stored bytes
//	                   (previous hash | sealed event)
//	ck_device_states   (practice_id, device_id): the last state the device
//	                   pushed with (audit head, end of its change feed)
//
// Servers before migrations 2 and 3 made the blob and audit tables on
// first use, with the same definitions; those migrations therefore create
// them only if they are not there yet.
//
// IDs compare bytewise (COLLATE "C"), as bbolt's keys do. Nothing in it is
// readable patient data: record and device IDs are random, revisions are
// hashes, and the sealed bytes open only with the practice's data key,
// which the server never has.

// migration is one step of the schema, applied once, in order.
type migration struct {
	version int
	sql     string
}

var migrations = []migration{
	{1, `
CREATE TABLE ck_server (
	one boolean PRIMARY KEY DEFAULT true CHECK (one),
	id  text NOT NULL
);
CREATE TABLE ck_practices (
	id         text COLLATE "C" PRIMARY KEY,
	registered timestamptz NOT NULL,
	last_seq   bigint NOT NULL DEFAULT 0
);
CREATE TABLE ck_devices (
	practice_id text COLLATE "C" NOT NULL REFERENCES ck_practices (id),
	id          text COLLATE "C" NOT NULL,
	name        text NOT NULL,
	token_hash  bytea NOT NULL,
	created     timestamptz NOT NULL,
	revoked     timestamptz,
	PRIMARY KEY (practice_id, id)
);
CREATE TABLE ck_revs (
	practice_id text COLLATE "C" NOT NULL,
	seq         bigint NOT NULL,
	record_id   text COLLATE "C" NOT NULL,
	rev         text COLLATE "C" NOT NULL,
	parents     text[] NOT NULL,
	device      text COLLATE "C" NOT NULL,
	sealed      bytea NOT NULL,
	PRIMARY KEY (practice_id, seq),
	UNIQUE (practice_id, record_id, rev)
);
-- Sealed bytes do not compress: store them without trying.
ALTER TABLE ck_revs ALTER COLUMN sealed SET STORAGE EXTERNAL;
CREATE TABLE ck_enrollments (
	practice_id text COLLATE "C" NOT NULL REFERENCES ck_practices (id),
	token_hash  bytea NOT NULL,
	sealed      bytea,
	issuer      text COLLATE "C" NOT NULL,
	created     timestamptz NOT NULL,
	expires     timestamptz NOT NULL,
	used        timestamptz,
	used_by     text COLLATE "C" NOT NULL DEFAULT '',
	PRIMARY KEY (practice_id, token_hash)
);
`},
	{2, `
CREATE TABLE IF NOT EXISTS ck_blobs (
	practice_id text COLLATE "C" NOT NULL REFERENCES ck_practices (id),
	id          text COLLATE "C" NOT NULL,
	size        bigint NOT NULL,
	chunks      integer NOT NULL,
	device      text COLLATE "C" NOT NULL,
	created     timestamptz NOT NULL,
	committed   timestamptz,
	seq         bigint,
	header      bytea,
	PRIMARY KEY (practice_id, id),
	UNIQUE (practice_id, seq)
);
CREATE TABLE IF NOT EXISTS ck_blob_chunks (
	practice_id text COLLATE "C" NOT NULL,
	id          text COLLATE "C" NOT NULL,
	idx         integer NOT NULL,
	sealed      bytea NOT NULL,
	PRIMARY KEY (practice_id, id, idx)
);
ALTER TABLE ck_blob_chunks ALTER COLUMN sealed SET STORAGE EXTERNAL;
CREATE TABLE IF NOT EXISTS ck_blob_seqs (
	practice_id text COLLATE "C" PRIMARY KEY REFERENCES ck_practices (id),
	last_seq    bigint NOT NULL
);
`},
	{3, `
CREATE TABLE IF NOT EXISTS ck_audit_streams (
	practice_id    text COLLATE "C" NOT NULL REFERENCES ck_practices (id),
	device         text COLLATE "C" NOT NULL,
	seq            bigint NOT NULL DEFAULT 0,
	hash           bytea,
	refused_at     timestamptz,
	refused_seq    bigint,
	refused_reason text,
	PRIMARY KEY (practice_id, device)
);
CREATE TABLE IF NOT EXISTS ck_audit_entries (
	practice_id text COLLATE "C" NOT NULL,
	device      text COLLATE "C" NOT NULL,
	seq         bigint NOT NULL,
	stored      bytea NOT NULL,
	PRIMARY KEY (practice_id, device, seq)
);
ALTER TABLE ck_audit_entries ALTER COLUMN stored SET STORAGE EXTERNAL;
`},
	{4, `
ALTER TABLE ck_practices ADD COLUMN used_bytes bigint NOT NULL DEFAULT 0;
UPDATE ck_practices p SET used_bytes =
	(SELECT coalesce(sum(length(sealed)), 0) FROM ck_revs r WHERE r.practice_id = p.id) +
	(SELECT coalesce(sum(length(sealed)), 0) FROM ck_blob_chunks c WHERE c.practice_id = p.id) +
	(SELECT coalesce(sum(length(header)), 0) FROM ck_blobs b WHERE b.practice_id = p.id) +
	(SELECT coalesce(sum(length(stored)), 0) FROM ck_audit_entries a WHERE a.practice_id = p.id);
`},
	// The running totals charge every stored item (syncserver's RevSize,
	// DeviceSize, EnrollmentSize and the rest: 64 bytes per item besides
	// its own bytes), not only sealed bytes; counted again for all.
	{5, `
UPDATE ck_practices p SET used_bytes = 64 +
	(SELECT coalesce(sum(octet_length(id) + octet_length(name) + length(token_hash) + 64), 0) FROM ck_devices d WHERE d.practice_id = p.id) +
	(SELECT coalesce(sum(octet_length(record_id) + octet_length(rev) + length(sealed) + 64 +
		(SELECT coalesce(sum(octet_length(x) + 1), 0) FROM unnest(r.parents) x)), 0) FROM ck_revs r WHERE r.practice_id = p.id) +
	(SELECT coalesce(sum(length(token_hash) + coalesce(length(sealed), 0) + octet_length(issuer) + octet_length(used_by) + 64), 0)
		FROM ck_enrollments e WHERE e.practice_id = p.id) +
	(SELECT coalesce(sum(64 + coalesce(length(header), 0)), 0) FROM ck_blobs b WHERE b.practice_id = p.id) +
	(SELECT coalesce(sum(length(sealed)), 0) FROM ck_blob_chunks c WHERE c.practice_id = p.id) +
	(SELECT coalesce(sum(length(stored) + 8), 0) FROM ck_audit_entries a WHERE a.practice_id = p.id);
`},
	// Devices carry their Ed25519 public signing key; devices enrolled
	// before have none and register one once (SetDeviceKey).
	{6, `
ALTER TABLE ck_devices ADD COLUMN public_key bytea;
`},
	// Practices carry their administration and recovery public keys;
	// practices registered before have none until an HIM manager sets
	// them (POST /v1/practice/keys).
	{7, `
ALTER TABLE ck_practices ADD COLUMN admin_key bytea, ADD COLUMN recovery_key bytea;
`},
	// Each device's last state (devicestate.go).
	{8, deviceStateSQL},
}

// schemaLock is the advisory lock key that serializes migrations of
// servers starting at once on one database.
const schemaLock = 0x636b_7363_6865_6d61 // "ckschema"

// migrate brings the schema up to date and returns the server's ID.
func migrate(ctx context.Context, conn *pgx.Conn) (string, error) {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return "", err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(schemaLock)); err != nil {
		return "", err
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS ck_schema_version (
	version integer PRIMARY KEY,
	applied timestamptz NOT NULL DEFAULT now()
)`); err != nil {
		return "", err
	}
	var have int
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM ck_schema_version`).Scan(&have); err != nil {
		return "", err
	}
	if latest := migrations[len(migrations)-1].version; have > latest {
		return "", fmt.Errorf("the database's schema (version %d) is newer than this chartkeeperd knows (version %d): run a newer chartkeeperd", have, latest)
	}
	for _, m := range migrations {
		if m.version <= have {
			continue
		}
		if _, err := tx.Exec(ctx, m.sql); err != nil {
			return "", fmt.Errorf("updating the database schema to version %d: %w", m.version, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO ck_schema_version (version) VALUES ($1)`, m.version); err != nil {
			return "", err
		}
	}
	id := make([]byte, 16)
	rand.Read(id)
	if _, err := tx.Exec(ctx, `INSERT INTO ck_server (id) VALUES ($1) ON CONFLICT DO NOTHING`, hex.EncodeToString(id)); err != nil {
		return "", err
	}
	var sid string
	if err := tx.QueryRow(ctx, `SELECT id FROM ck_server`).Scan(&sid); err != nil {
		return "", err
	}
	return sid, tx.Commit(ctx)
}
