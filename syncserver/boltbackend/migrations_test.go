package boltbackend

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"chartkeeper/store"
	"chartkeeper/syncproto"
	"chartkeeper/syncserver"
)

func openRawDB(t *testing.T, dir string) *bolt.DB {
	t.Helper()
	db, err := bolt.Open(filepath.Join(dir, FileName), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func update(t *testing.T, db *bolt.DB, f func(tx *bolt.Tx) error) {
	t.Helper()
	if err := db.Update(f); err != nil {
		t.Fatal(err)
	}
}

// TestMigration1InitialLayout: a new file gets the top-level buckets, a
// server ID and version 1; a file that has an ID keeps it.
func TestMigration1InitialLayout(t *testing.T) {
	db := openRawDB(t, t.TempDir())
	defer db.Close()
	update(t, db, func(tx *bolt.Tx) error { return migrate(tx, migrations[:1]) })
	var id string
	db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bServer) == nil || tx.Bucket(bPractice) == nil {
			t.Error("a top-level bucket is missing")
		}
		if id = string(tx.Bucket(bServer).Get(kID)); len(id) != 32 {
			t.Errorf("server ID %q", id)
		}
		if v := readSchema(tx); v != 1 {
			t.Errorf("schema %d", v)
		}
		return nil
	})
	update(t, db, func(tx *bolt.Tx) error { return initialLayout(tx) })
	db.View(func(tx *bolt.Tx) error {
		if got := string(tx.Bucket(bServer).Get(kID)); got != id {
			t.Errorf("server ID changed from %s to %s", id, got)
		}
		return nil
	})
}

// TestMigration2CountsUsage: each practice without a running total gets
// one counted from its sealed revisions, blob chunks and headers and
// audit entries; a practice that has one keeps it.
func TestMigration2CountsUsage(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	be, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	b := be.(*backend)
	now := time.Now()
	for _, pid := range []string{"prac1", "prac2"} {
		if err := b.RegisterPractice(ctx, pid, syncserver.Device{ID: "devA", TokenHash: bytes.Repeat([]byte{1}, 32), Created: now}, syncserver.PracticeKeys{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.Push(ctx, "prac1", "devA", []syncproto.Rev{{RecordID: "r1", Rev: "1-01", Sealed: []byte("12345")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.BeginBlob(ctx, "prac1", "devA", "b1", 10, 1, now); err != nil {
		t.Fatal(err)
	}
	chunk := bytes.Repeat([]byte{7}, syncproto.BlobChunkSealedSize(10, 0))
	if err := b.PutBlobChunk(ctx, "prac1", "b1", 0, chunk); err != nil {
		t.Fatal(err)
	}
	if _, err := b.CommitBlob(ctx, "prac1", "b1", []byte("hh")); err != nil {
		t.Fatal(err)
	}
	e1 := append(make([]byte, store.AuditHashSize), bytes.Repeat([]byte{3}, 60)...)
	if _, err := b.AppendAudit(ctx, "prac1", "devA", syncproto.AuditPushRequest{Head: 1, Entries: []store.AuditWire{{Seq: 1, Stored: e1}}}, now); err != nil {
		t.Fatal(err)
	}
	// The running total charges every item (syncserver's quota rule);
	// migration 2 counted the sealed bytes only, and migration 3 counts
	// again by the rule.
	total := syncserver.RegistrationSize(syncserver.Device{ID: "devA", TokenHash: bytes.Repeat([]byte{1}, 32)}) +
		syncserver.RevSize(syncproto.Rev{RecordID: "r1", Rev: "1-01", Sealed: []byte("12345")}) +
		syncserver.BlobBeginSize + int64(len(chunk)+2) + syncserver.AuditEntrySize(e1)
	if n, _ := b.Usage(ctx, "prac1"); n != total {
		t.Fatalf("running total %d, want %d", n, total)
	}
	want := int64(5 + len(chunk) + 2 + len(e1))
	// prac1 as a file from before the running totals: no total; prac2
	// keeps a (made-up) total of its own.
	update(t, b.db, func(tx *bolt.Tx) error {
		ps := tx.Bucket(bPractice)
		if err := ps.Bucket([]byte("prac2")).Put(kUsage, binary.BigEndian.AppendUint64(nil, 42)); err != nil {
			return err
		}
		return ps.Bucket([]byte("prac1")).Delete(kUsage)
	})
	update(t, b.db, countUsage)
	for pid, want := range map[string]int64{"prac1": want, "prac2": 42} {
		if n, err := b.Usage(ctx, pid); err != nil || n != want {
			t.Fatalf("%s: counted total %d (%v), want %d", pid, n, err, want)
		}
	}
	update(t, b.db, recountUsage)
	if n, err := b.Usage(ctx, "prac1"); err != nil || n != total {
		t.Fatalf("recounted total %d (%v), want the running total %d", n, err, total)
	}
	b.Close()
}

// oldLogEntry is a log entry as the server has always encoded it:
// uvarint-prefixed device, record ID and revision, the parents' count and
// each parent, then the sealed bytes.
func oldLogEntry(device, id, rev string, parents []string, sealed []byte) []byte {
	str := func(b []byte, s string) []byte { return append(binary.AppendUvarint(b, uint64(len(s))), s...) }
	b := str(str(str(nil, device), id), rev)
	b = binary.AppendUvarint(b, uint64(len(parents)))
	for _, p := range parents {
		b = str(b, p)
	}
	return append(b, sealed...)
}

// TestOldFileMigrates: a server.db laid out as the server wrote it before
// the schema version was kept (no version, no running totals) opens with
// every migration run, its server ID, devices, log, enrollments, blobs and
// audit streams as they were, and each practice's total counted.
func TestOldFileMigrates(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	const serverID = "0123456789abcdef0123456789abcdef"
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	sealed1, sealed2 := []byte("sealed revision one"), []byte("sealed two")
	chunk := bytes.Repeat([]byte{7}, syncproto.BlobChunkSealedSize(10, 0))
	entry := append(make([]byte, store.AuditHashSize), bytes.Repeat([]byte{3}, 60)...)
	entryHash := store.AuditEntryHash(1, entry)
	db := openRawDB(t, dir)
	update(t, db, func(tx *bolt.Tx) error {
		put := func(b *bolt.Bucket, k string, v []byte) {
			if err := b.Put([]byte(k), v); err != nil {
				t.Fatal(err)
			}
		}
		bucket := func(parent *bolt.Bucket, name string) *bolt.Bucket {
			b, err := parent.CreateBucket([]byte(name))
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
		js := func(v any) []byte { b, _ := json.Marshal(v); return b }
		s, _ := tx.CreateBucket([]byte("server"))
		put(s, "id", []byte(serverID))
		ps, _ := tx.CreateBucket([]byte("p"))
		p := bucket(ps, "prac1")
		put(p, "info", js(map[string]time.Time{"registered": now}))
		put(bucket(p, "devices"), "devA", js(syncserver.Device{ID: "devA", Name: "front desk", TokenHash: bytes.Repeat([]byte{1}, 32), Created: now}))
		idx, log := bucket(p, "index"), bucket(p, "log")
		seq := func(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }
		put(idx, "r1\x001-01", seq(1))
		put(idx, "r1\x002-02", seq(2))
		put(log, string(seq(1)), oldLogEntry("devA", "r1", "1-01", nil, sealed1))
		put(log, string(seq(2)), oldLogEntry("devA", "r1", "2-02", []string{"1-01"}, sealed2))
		log.SetSequence(2)
		put(bucket(p, "enroll"), string(bytes.Repeat([]byte{5}, 32)), js(syncserver.Enrollment{TokenHash: bytes.Repeat([]byte{5}, 32),
			Sealed: []byte("secrets"), Issuer: "devA", Created: now, Expires: now.Add(time.Hour)}))
		put(bucket(p, "blobs"), "b1", js(map[string]any{"size": 10, "chunks": 1, "device": "devA", "created": now, "committed": now, "seq": 1}))
		data := bucket(p, "blobdata")
		put(data, "b1\x00c\x00\x00\x00\x00", chunk)
		put(data, "b1\x00h", []byte("hh"))
		feed := bucket(p, "blobfeed")
		put(feed, string(seq(1)), []byte("b1"))
		feed.SetSequence(1)
		stream := bucket(bucket(p, "audit"), "devA")
		put(stream, string(seq(1)), entry)
		put(stream, "meta", js(syncproto.AuditStream{Device: "devA", Seq: 1, Hash: entryHash[:]}))
		// A practice registered but never written to.
		q := bucket(ps, "prac2")
		put(q, "info", js(map[string]time.Time{"registered": now}))
		put(bucket(q, "devices"), "devB", js(syncserver.Device{ID: "devB", TokenHash: bytes.Repeat([]byte{2}, 32), Created: now}))
		bucket(q, "index")
		bucket(q, "log")
		return nil
	})
	db.Close()

	be, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer be.Close()
	b := be.(*backend)
	b.db.View(func(tx *bolt.Tx) error {
		if v := readSchema(tx); v != schemaVersion(migrations) {
			t.Errorf("schema %d after opening, want %d", v, schemaVersion(migrations))
		}
		return nil
	})
	if b.ServerID() != serverID {
		t.Fatalf("server ID %q, want %q", b.ServerID(), serverID)
	}
	// Migration 2 counted the sealed bytes; migration 3 counts every
	// item's charge (syncserver's quota rule).
	want1 := syncserver.RegistrationSize(syncserver.Device{ID: "devA", Name: "front desk", TokenHash: make([]byte, 32)}) +
		syncserver.RevSize(syncproto.Rev{RecordID: "r1", Rev: "1-01", Sealed: sealed1}) +
		syncserver.RevSize(syncproto.Rev{RecordID: "r1", Rev: "2-02", Parents: []string{"1-01"}, Sealed: sealed2}) +
		syncserver.EnrollmentSize(syncserver.Enrollment{TokenHash: make([]byte, 32), Sealed: []byte("secrets"), Issuer: "devA"}) +
		syncserver.BlobBeginSize + int64(len(chunk)+2) + syncserver.AuditEntrySize(entry)
	if n, err := b.Usage(ctx, "prac1"); err != nil || n != want1 {
		t.Fatalf("prac1's counted total %d (%v), want %d", n, err, want1)
	}
	if want2 := syncserver.RegistrationSize(syncserver.Device{ID: "devB", TokenHash: make([]byte, 32)}); true {
		if n, err := b.Usage(ctx, "prac2"); err != nil || n != want2 {
			t.Fatalf("prac2's counted total %d (%v), want %d", n, err, want2)
		}
	}
	if d, err := b.Device(ctx, "prac1", "devA"); err != nil || d.Name != "front desk" {
		t.Fatalf("device: %+v %v", d, err)
	}
	res, err := b.Changes(ctx, "prac1", 0, 10, 1<<20, "")
	if err != nil || len(res.Revs) != 2 || res.LastSeq != 2 || !bytes.Equal(res.Revs[1].Sealed, sealed2) || res.Revs[1].Parents[0] != "1-01" || res.Revs[1].Device != "devA" {
		t.Fatalf("log: %+v %v", res, err)
	}
	if h, st, err := b.BlobHeader(ctx, "prac1", "b1"); err != nil || string(h) != "hh" || st.Seq != 1 {
		t.Fatalf("blob: %q %+v %v", h, st, err)
	}
	if sts, err := b.AuditStreams(ctx, "prac1"); err != nil || len(sts) != 1 || sts[0].Seq != 1 || sts[0].Name != "front desk" {
		t.Fatalf("audit streams: %+v %v", sts, err)
	}
	got, err := b.RedeemEnrollment(ctx, "prac1", bytes.Repeat([]byte{5}, 32), syncserver.Device{ID: "devN", TokenHash: bytes.Repeat([]byte{3}, 32), Created: now}, now)
	if err != nil || string(got) != "secrets" {
		t.Fatalf("enrollment: %q %v", got, err)
	}
	// Writes go on from where the old file left off, and count.
	pr, err := b.Push(ctx, "prac1", "devA", []syncproto.Rev{{RecordID: "r2", Rev: "1-03", Sealed: []byte("x")}})
	if err != nil || pr.LastSeq != 3 {
		t.Fatalf("push after migrating: %+v %v", pr, err)
	}
	if n, _ := b.Usage(ctx, "prac2"); n != syncserver.RegistrationSize(syncserver.Device{ID: "devB", TokenHash: make([]byte, 32)}) {
		t.Fatalf("prac2: %d", n)
	}
	redeemed := syncserver.DeviceSize(syncserver.Device{ID: "devN", TokenHash: make([]byte, 32)}) + int64(len("devN")-len("secrets"))
	if n, _ := b.Usage(ctx, "prac1"); n != want1+redeemed+syncserver.RevSize(syncproto.Rev{RecordID: "r2", Rev: "1-03", Sealed: []byte("x")}) {
		t.Fatalf("prac1 after the redeem and the push: %d", n)
	}
}

func TestMigrationsRunInOrderOnce(t *testing.T) {
	db := openRawDB(t, t.TempDir())
	defer db.Close()
	var ran []uint64
	list := []migration{
		{Version: 1, Name: "one", Apply: func(*bolt.Tx) error { ran = append(ran, 1); return nil }},
		{Version: 2, Name: "two", Apply: func(*bolt.Tx) error { ran = append(ran, 2); return nil }},
	}
	for range 2 {
		update(t, db, func(tx *bolt.Tx) error { return migrate(tx, list) })
	}
	list = append(list, migration{Version: 3, Name: "three", Apply: func(*bolt.Tx) error { ran = append(ran, 3); return nil }})
	update(t, db, func(tx *bolt.Tx) error { return migrate(tx, list) })
	if len(ran) != 3 || ran[0] != 1 || ran[1] != 2 || ran[2] != 3 {
		t.Fatalf("ran %v, want [1 2 3]", ran)
	}
	// A file newer than the program is refused, unchanged.
	err := db.Update(func(tx *bolt.Tx) error { return migrate(tx, list[:2]) })
	if !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("newer file: %v", err)
	}
}

// A failing migration leaves the file as it was.
func TestMigrationFailureRollsBack(t *testing.T) {
	db := openRawDB(t, t.TempDir())
	defer db.Close()
	list := []migration{
		{Version: 1, Name: "one", Apply: initialLayout},
		{Version: 2, Name: "breaks", Apply: func(tx *bolt.Tx) error {
			tx.Bucket(bServer).Put([]byte("half"), []byte("done"))
			return errors.New("disk on fire")
		}},
	}
	if err := db.Update(func(tx *bolt.Tx) error { return migrate(tx, list) }); err == nil {
		t.Fatal("migration error swallowed")
	}
	db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bServer) != nil {
			t.Error("a failed migration left buckets behind")
		}
		return nil
	})
}

// TestMigration4DeviceKeys: a file of schema 3, whose devices have no
// signing key, opens at schema 4 with its devices as they were (keyless,
// so each may register a key once), and a program that knows only schema
// 3 refuses the migrated file rather than rewrite its devices without
// their keys.
func TestMigration4DeviceKeys(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := openRawDB(t, dir)
	update(t, db, func(tx *bolt.Tx) error { return migrate(tx, migrations[:3]) })
	update(t, db, func(tx *bolt.Tx) error {
		p, err := tx.Bucket(bPractice).CreateBucket([]byte("prac1"))
		if err != nil {
			return err
		}
		for _, name := range [][]byte{bDevices, bIndex, bLog} {
			if _, err := p.CreateBucket(name); err != nil {
				return err
			}
		}
		// A device as schema 3 wrote it.
		return p.Bucket(bDevices).Put([]byte("devA"), []byte(`{"id":"devA","name":"front desk","token_hash":"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=","created":"2026-01-02T03:04:05Z"}`))
	})
	db.Close()
	be, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	b := be.(*backend)
	b.db.View(func(tx *bolt.Tx) error {
		if v := readSchema(tx); v != schemaVersion(migrations) {
			t.Errorf("schema %d after opening", v)
		}
		return nil
	})
	d, err := b.Device(ctx, "prac1", "devA")
	if err != nil || d.Name != "front desk" || d.PublicKey != nil || !bytes.Equal(d.TokenHash, bytes.Repeat([]byte{1}, 32)) {
		t.Fatalf("device after the migration: %+v %v", d, err)
	}
	if err := b.SetDeviceKey(ctx, "prac1", "devA", bytes.Repeat([]byte{9}, 32)); err != nil {
		t.Fatal(err)
	}
	b.db.View(func(tx *bolt.Tx) error {
		if err := migrate(tx, migrations[:3]); !errors.Is(err, ErrSchemaTooNew) {
			t.Errorf("a schema-3 program on the migrated file: %v", err)
		}
		return nil
	})
	b.Close()
}

// TestMigration5PracticeKeys: a file of schema 4 opens at schema 5 with
// its practices as they were and no keys (an HIM manager sets them once,
// POST /v1/practice/keys), and a program that knows only schema 4, which
// would take revocations and enrollments without the administration
// signature, refuses the migrated file.
func TestMigration5PracticeKeys(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := openRawDB(t, dir)
	update(t, db, func(tx *bolt.Tx) error { return migrate(tx, migrations[:4]) })
	update(t, db, func(tx *bolt.Tx) error {
		p, err := tx.Bucket(bPractice).CreateBucket([]byte("prac1"))
		if err != nil {
			return err
		}
		for _, name := range [][]byte{bDevices, bIndex, bLog} {
			if _, err := p.CreateBucket(name); err != nil {
				return err
			}
		}
		return p.Bucket(bDevices).Put([]byte("devA"), []byte(`{"id":"devA","name":"front desk","token_hash":"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=","public_key":"CQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk=","created":"2026-01-02T03:04:05Z"}`))
	})
	db.Close()
	be, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	b := be.(*backend)
	defer b.Close()
	b.db.View(func(tx *bolt.Tx) error {
		if v := readSchema(tx); v != schemaVersion(migrations) {
			t.Errorf("schema %d after opening", v)
		}
		return nil
	})
	keys, err := b.PracticeKeys(ctx, "prac1")
	if err != nil || len(keys.Admin) != 0 || len(keys.Recovery) != 0 {
		t.Fatalf("keys of a practice registered before: %+v %v", keys, err)
	}
	if d, err := b.Device(ctx, "prac1", "devA"); err != nil || !bytes.Equal(d.PublicKey, bytes.Repeat([]byte{9}, 32)) {
		t.Fatalf("device after the migration: %+v %v", d, err)
	}
	next := syncserver.PracticeKeys{Admin: bytes.Repeat([]byte{3}, 32), Recovery: bytes.Repeat([]byte{4}, 32)}
	if err := b.ReplacePracticeKeys(ctx, "prac1", keys, next); err != nil {
		t.Fatal(err)
	}
	b.db.View(func(tx *bolt.Tx) error {
		if err := migrate(tx, migrations[:4]); !errors.Is(err, ErrSchemaTooNew) {
			t.Errorf("a schema-4 program on the migrated file: %v", err)
		}
		return nil
	})
}
