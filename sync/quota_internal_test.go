package sync

import (
	"bytes"
	"context"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"chartkeeper/store"
)

// TestBoltCountsUsageOfOldFiles: a server.db made before the running
// totals gets each practice's total counted once when it is opened.
func TestBoltCountsUsageOfOldFiles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	be, err := OpenBolt(dir)
	if err != nil {
		t.Fatal(err)
	}
	b := be.(*boltBackend)
	now := time.Now()
	if err := b.RegisterPractice(ctx, "prac1", Device{ID: "devA", TokenHash: bytes.Repeat([]byte{1}, 32), Created: now}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Push(ctx, "prac1", "devA", []Rev{{RecordID: "r1", Rev: "1-01", Sealed: []byte("12345")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.BeginBlob(ctx, "prac1", "devA", "b1", 10, 1, now); err != nil {
		t.Fatal(err)
	}
	chunk := bytes.Repeat([]byte{7}, BlobChunkSealedSize(10, 0))
	if err := b.PutBlobChunk(ctx, "prac1", "b1", 0, chunk); err != nil {
		t.Fatal(err)
	}
	if _, err := b.CommitBlob(ctx, "prac1", "b1", []byte("hh")); err != nil {
		t.Fatal(err)
	}
	e1 := append(make([]byte, store.AuditHashSize), bytes.Repeat([]byte{3}, 60)...)
	if _, err := b.AppendAudit(ctx, "prac1", "devA", AuditPushRequest{Head: 1, Entries: []store.AuditWire{{Seq: 1, Stored: e1}}}, now); err != nil {
		t.Fatal(err)
	}
	want := int64(5 + len(chunk) + 2 + len(e1))
	if n, _ := b.Usage(ctx, "prac1"); n != want {
		t.Fatalf("running total %d, want %d", n, want)
	}
	// As an older server left it: no total.
	if err := b.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bPractice).Bucket([]byte("prac1")).Delete(kUsage) }); err != nil {
		t.Fatal(err)
	}
	b.Close()
	be, err = OpenBolt(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer be.Close()
	if n, err := be.(QuotaBackend).Usage(ctx, "prac1"); err != nil || n != want {
		t.Fatalf("counted total %d (%v), want %d", n, err, want)
	}
}

func TestParseAndFormatSize(t *testing.T) {
	for in, want := range map[string]int64{"20GB": 20e9, "20 gb": 20e9, "1.5TB": 1.5e12, "512MiB": 512 << 20, "1000": 1000, "0": 0, "unlimited": 0} {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "GB", "-1GB", "twenty", "20XB"} {
		if _, err := ParseSize(bad); err == nil {
			t.Errorf("ParseSize(%q) accepted", bad)
		}
	}
	for n, want := range map[int64]string{20e9: "20 GB", 1.5e12: "1.5 TB", 999: "999 bytes", 800e6: "800 MB"} {
		if got := FormatSize(n); got != want {
			t.Errorf("FormatSize(%d) = %q, want %q", n, got, want)
		}
	}
	if m := quotaMessage(20e9); m != "the practice's storage on the sync server is full (20 GB); ask the server's operator to raise the quota" {
		t.Errorf("message: %q", m)
	}
}
