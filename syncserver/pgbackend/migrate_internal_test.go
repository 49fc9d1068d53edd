package pgbackend

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"chartkeeper/internal/pgtest"
	"chartkeeper/syncproto"
	"chartkeeper/syncserver"
)

// TestOldDatabaseMigrates: a database of schema version 1 whose blob and
// audit tables were made on first use (as servers did before migrations 2
// and 3) opens, keeps its data, and gets its storage totals counted; its
// device has no signing key and its practice no keys (migrations 6, 7).
func TestOldDatabaseMigrates(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	old := `CREATE TABLE ck_schema_version (version integer PRIMARY KEY, applied timestamptz NOT NULL DEFAULT now());
INSERT INTO ck_schema_version (version) VALUES (1);` + migrations[0].sql + `
INSERT INTO ck_server (id) VALUES ('0123456789abcdef0123456789abcdef');` +
		// The tables as the first-use code made them.
		migrations[1].sql + migrations[2].sql + `
INSERT INTO ck_practices (id, registered, last_seq) VALUES ('prac1', now(), 1);
INSERT INTO ck_devices (practice_id, id, name, token_hash, created) VALUES ('prac1', 'devA', 'front desk', '\x0101010101010101010101010101010101010101010101010101010101010101', now());
INSERT INTO ck_revs (practice_id, seq, record_id, rev, parents, device, sealed) VALUES ('prac1', 1, 'r1', '1-a', '{}', 'devA', '\x0102030405');
INSERT INTO ck_blobs (practice_id, id, size, chunks, device, created, committed, seq, header) VALUES ('prac1', 'b1', 3, 1, 'devA', now(), now(), 1, '\x0a0b');
INSERT INTO ck_blob_chunks (practice_id, id, idx, sealed) VALUES ('prac1', 'b1', 0, '\x01020304050607');
INSERT INTO ck_blob_seqs (practice_id, last_seq) VALUES ('prac1', 1);
INSERT INTO ck_audit_streams (practice_id, device, seq) VALUES ('prac1', 'devA', 1);
INSERT INTO ck_audit_entries (practice_id, device, seq, stored) VALUES ('prac1', 'devA', 1, '\x010203');`
	if _, err := conn.Exec(ctx, old); err != nil {
		t.Fatal(err)
	}
	b, err := Open(ctx, url, Options{})
	if err != nil {
		t.Fatalf("opening a database of schema version 1: %v", err)
	}
	defer b.Close()
	if b.ServerID() != "0123456789abcdef0123456789abcdef" {
		t.Fatalf("server ID %q", b.ServerID())
	}
	// Migration 4 counted the sealed bytes (5+7+2+3); migration 5 charges
	// every item by syncserver's rule.
	want := int64(syncserver.ItemOverhead) + syncserver.RevSize(syncproto.Rev{RecordID: "r1", Rev: "1-a", Sealed: make([]byte, 5)}) +
		syncserver.BlobBeginSize + 2 + 7 + syncserver.AuditEntrySize(make([]byte, 3)) +
		syncserver.DeviceSize(syncserver.Device{ID: "devA", Name: "front desk", TokenHash: make([]byte, 32)})
	if n, err := b.Usage(ctx, "prac1"); err != nil || n != want {
		t.Fatalf("usage after the migration: %d %v", n, err)
	}
	// Migration 6: the device, enrolled before devices had keys, has none
	// and may register one, once.
	if d, err := b.Device(ctx, "prac1", "devA"); err != nil || d.PublicKey != nil || d.Name != "front desk" {
		t.Fatalf("device after the migration: %+v %v", d, err)
	}
	key := make([]byte, 32)
	key[0] = 9
	if err := b.SetDeviceKey(ctx, "prac1", "devA", key); err != nil {
		t.Fatal(err)
	}
	if d, err := b.Device(ctx, "prac1", "devA"); err != nil || len(d.PublicKey) != 32 || d.PublicKey[0] != 9 {
		t.Fatalf("device after its key: %+v %v", d, err)
	}
	// Migration 7: the practice, registered before the server kept its
	// keys, has none until an HIM manager sets them.
	keys, err := b.PracticeKeys(ctx, "prac1")
	if err != nil || keys.Admin != nil || keys.Recovery != nil {
		t.Fatalf("practice keys after the migration: %+v %v", keys, err)
	}
	next := syncserver.PracticeKeys{Admin: key, Recovery: make([]byte, 32)}
	if err := b.ReplacePracticeKeys(ctx, "prac1", keys, next); err != nil {
		t.Fatal(err)
	}
	if got, err := b.PracticeKeys(ctx, "prac1"); err != nil || !got.Equal(next) {
		t.Fatalf("practice keys once set: %+v %v", got, err)
	}
	if fr, err := b.BlobFeed(ctx, "prac1", 0, 10); err != nil || len(fr.Blobs) != 1 {
		t.Fatalf("blob feed after the migration: %+v %v", fr, err)
	}
	if sts, err := b.AuditStreams(ctx, "prac1"); err != nil || len(sts) != 1 || sts[0].Seq != 1 {
		t.Fatalf("audit streams after the migration: %+v %v", sts, err)
	}
	var v int
	conn.QueryRow(ctx, `SELECT max(version) FROM ck_schema_version`).Scan(&v)
	if v != migrations[len(migrations)-1].version {
		t.Fatalf("schema version %d", v)
	}
}
