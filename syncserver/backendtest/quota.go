package backendtest

import (
	"context"
	"errors"
	"testing"
	"time"

	"chartkeeper/syncproto"
	"chartkeeper/syncserver"
)

// runQuota holds a backend's quota to its semantics: a running total of
// sealed revision, blob and audit bytes per practice, and writes past the
// quota refused with nothing stored.
func runQuota(t *testing.T, setup func(*testing.T) (syncserver.Backend, func() syncserver.Backend), now time.Time) {
	ctx := context.Background()
	t.Run("quota", func(t *testing.T) {
		b, reopen := setup(t)
		usage := func(want int64) {
			t.Helper()
			if n, err := b.Usage(ctx, "prac1"); err != nil || n != want {
				t.Fatalf("usage %d (%v), want %d", n, err, want)
			}
		}
		usage(0)
		if _, err := b.Usage(ctx, "nope"); !errors.Is(err, syncproto.ErrUnknownPractice) {
			t.Fatalf("usage of an unknown practice: %v", err)
		}
		r1, r2 := rev("r1", 1, "a"), rev("r2", 1, "b")
		if _, err := b.Push(ctx, "prac1", "devA", []syncproto.Rev{r1, r2}); err != nil {
			t.Fatal(err)
		}
		want := int64(len(r1.Sealed) + len(r2.Sealed))
		usage(want)
		if _, err := b.Push(ctx, "prac1", "devA", []syncproto.Rev{r1}); err != nil {
			t.Fatal(err)
		}
		usage(want) // a replay stores nothing
		const small = 1000
		if _, err := b.BeginBlob(ctx, "prac1", "devA", "blob1", small, 1, now); err != nil {
			t.Fatal(err)
		}
		chunk := blobChunk(small, 0, 1)
		for range 2 { // sent again: counted once
			if err := b.PutBlobChunk(ctx, "prac1", "blob1", 0, chunk); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := b.CommitBlob(ctx, "prac1", "blob1", []byte("header")); err != nil {
			t.Fatal(err)
		}
		want += int64(len(chunk) + len("header"))
		usage(want)
		chain := auditChain(3, 0)
		if _, err := b.AppendAudit(ctx, "prac1", "devA", syncproto.AuditPushRequest{Head: 2, Entries: chain[:2]}, now); err != nil {
			t.Fatal(err)
		}
		want += int64(len(chain[0].Stored) + len(chain[1].Stored))
		usage(want)

		// Full: every kind of write is refused and stores nothing.
		b.SetQuota(want + 3)
		if _, err := b.Push(ctx, "prac1", "devA", []syncproto.Rev{rev("r3", 1, "ccc")}); !errors.Is(err, syncproto.ErrQuotaExceeded) {
			t.Fatalf("push past the quota: %v", err)
		}
		if res, err := b.Changes(ctx, "prac1", 0, 10, 1<<20, ""); err != nil || len(res.Revs) != 2 {
			t.Fatalf("log after the refused push: %d revisions, %v", len(res.Revs), err)
		}
		if _, err := b.BeginBlob(ctx, "prac1", "devA", "blob2", small, 1, now); err != nil {
			t.Fatal(err)
		}
		if err := b.PutBlobChunk(ctx, "prac1", "blob2", 0, blobChunk(small, 0, 2)); !errors.Is(err, syncproto.ErrQuotaExceeded) {
			t.Fatalf("blob chunk past the quota: %v", err)
		}
		if st, err := b.BeginBlob(ctx, "prac1", "devA", "blob2", small, 1, now); err != nil || len(st.Have) != 0 {
			t.Fatalf("refused chunk stored: %+v %v", st, err)
		}
		// What is stored still reads.
		if _, err := b.BlobChunk(ctx, "prac1", "blob1", 0); err != nil {
			t.Fatal(err)
		}
		if _, err := b.AppendAudit(ctx, "prac1", "devA", syncproto.AuditPushRequest{Head: 3, Entries: chain[2:]}, now); !errors.Is(err, syncproto.ErrQuotaExceeded) {
			t.Fatalf("audit push past the quota: %v", err)
		}
		if sts, err := b.AuditStreams(ctx, "prac1"); err != nil || len(sts) != 1 || sts[0].Seq != 2 || sts[0].Refused != nil {
			t.Fatalf("stream after the refused push: %+v %v", sts, err)
		}
		usage(want)
		// A small write that fits still goes in.
		small3 := syncproto.Rev{RecordID: "r4", Rev: "1-00000000000000000000000000000004", Sealed: []byte("xyz")}
		if _, err := b.Push(ctx, "prac1", "devA", []syncproto.Rev{small3}); err != nil {
			t.Fatalf("push within the quota: %v", err)
		}
		want += 3
		usage(want)
		// Raised, and the total survives a reopen.
		b.SetQuota(0)
		if _, err := b.Push(ctx, "prac1", "devA", []syncproto.Rev{rev("r3", 1, "ccc")}); err != nil {
			t.Fatal(err)
		}
		want += int64(len(rev("r3", 1, "ccc").Sealed))
		b = reopen()
		usage(want)
	})
}
