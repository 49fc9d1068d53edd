package backendtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"chartkeeper/store"
	"chartkeeper/syncproto"
	"chartkeeper/syncserver"
)

// blobChunk is sealed bytes of the right length for chunk i of a blob of
// size bytes (the backend cannot open them anyway).
func blobChunk(size int64, i uint32, fill byte) []byte {
	return bytes.Repeat([]byte{fill}, syncproto.BlobChunkSealedSize(size, i))
}

// auditEntry is stored bytes of an audit entry's shape: link | filler.
func auditEntry(link []byte, fill byte) []byte {
	return append(bytes.Clone(link), bytes.Repeat([]byte{fill}, 60)...)
}

// auditChain is n consecutive entries of one chain, from entry 1.
func auditChain(n int, fill byte) []store.AuditWire {
	link := make([]byte, store.AuditHashSize)
	var out []store.AuditWire
	for i := 1; i <= n; i++ {
		e := auditEntry(link, fill+byte(i))
		out = append(out, store.AuditWire{Seq: uint64(i), Stored: e})
		h := store.AuditEntryHash(uint64(i), e)
		link = h[:]
	}
	return out
}

// runLogEnd checks that Changes never answers past the log's end, so a
// client whose checkpoint is ahead (the server was put back from an older
// copy) finds out.
func runLogEnd(t *testing.T, setup func(*testing.T) (syncserver.Backend, func() syncserver.Backend)) {
	ctx := context.Background()
	t.Run("changes past the end of the log", func(t *testing.T) {
		b, _ := setup(t)
		res, err := b.Changes(ctx, "prac1", 7, 10, 1<<20, "")
		if err != nil || res.LastSeq != 0 || len(res.Revs) != 0 {
			t.Fatalf("empty log asked after 7: %+v %v", res, err)
		}
		if _, err := b.Push(ctx, "prac1", "devA", []syncproto.Rev{rev("r1", 1, "a"), rev("r2", 1, "b")}); err != nil {
			t.Fatal(err)
		}
		for _, skip := range []string{"", "devA"} {
			res, err = b.Changes(ctx, "prac1", 9, 10, 1<<20, skip)
			if err != nil || res.LastSeq != 2 || len(res.Revs) != 0 {
				t.Fatalf("log of 2 asked after 9 (skip %q): %+v %v", skip, res, err)
			}
		}
		res, err = b.Changes(ctx, "prac1", 2, 10, 1<<20, "")
		if err != nil || res.LastSeq != 2 || len(res.Revs) != 0 {
			t.Fatalf("log of 2 asked after 2: %+v %v", res, err)
		}
	})
}

// runBlobs holds a backend's blob methods to their documented semantics.
func runBlobs(t *testing.T, setup func(*testing.T) (syncserver.Backend, func() syncserver.Backend), now time.Time) {
	ctx := context.Background()
	const small = 1000
	two := int64(store.BlobChunkPlainSize(1<<30, 0)) + 10 // two chunks
	t.Run("blob upload and commit", func(t *testing.T) {
		b, reopen := setup(t)
		st, err := b.BeginBlob(ctx, "prac1", "devA", "blob1", two, 2, now)
		if err != nil || st.Committed || len(st.Have) != 0 || st.Size != two || st.Chunks != 2 {
			t.Fatalf("begin: %+v %v", st, err)
		}
		if _, err := b.BeginBlob(ctx, "prac1", "devA", "blob1", two+1, 2, now); !errors.Is(err, syncproto.ErrBlobMismatch) {
			t.Fatalf("begin with another size: %v", err)
		}
		if _, err := b.BeginBlob(ctx, "nope", "devA", "blob1", small, 1, now); !errors.Is(err, syncproto.ErrUnknownPractice) {
			t.Fatalf("begin in an unknown practice: %v", err)
		}
		if err := b.PutBlobChunk(ctx, "prac1", "blobX", 0, blobChunk(small, 0, 1)); !errors.Is(err, syncproto.ErrUnknownBlob) {
			t.Fatalf("chunk of a blob never begun: %v", err)
		}
		if err := b.PutBlobChunk(ctx, "prac1", "blob1", 2, blobChunk(two, 1, 1)); !errors.Is(err, syncproto.ErrBadRequest) {
			t.Fatalf("chunk beyond the blob: %v", err)
		}
		if err := b.PutBlobChunk(ctx, "prac1", "blob1", 1, blobChunk(two, 0, 1)); !errors.Is(err, syncproto.ErrBadRequest) {
			t.Fatalf("chunk of the wrong length: %v", err)
		}
		if err := b.PutBlobChunk(ctx, "prac1", "blob1", 1, blobChunk(two, 1, 1)); err != nil {
			t.Fatal(err)
		}
		if _, err := b.CommitBlob(ctx, "prac1", "blob1", []byte("header")); !errors.Is(err, syncproto.ErrBlobIncomplete) {
			t.Fatalf("commit with a chunk missing: %v", err)
		}
		if _, err := b.CommitBlob(ctx, "prac1", "blobX", []byte("header")); !errors.Is(err, syncproto.ErrUnknownBlob) {
			t.Fatalf("commit of a blob never begun: %v", err)
		}
		// Uncommitted: listed and served to nobody, but its chunks count.
		if st, err := b.BeginBlob(ctx, "prac1", "devA", "blob1", two, 2, now); err != nil || st.Committed || len(st.Have) != 1 || st.Have[0] != 1 {
			t.Fatalf("begin again: %+v %v", st, err)
		}
		if fr, err := b.BlobFeed(ctx, "prac1", 0, 10); err != nil || len(fr.Blobs) != 0 || fr.LastSeq != 0 {
			t.Fatalf("feed before the commit: %+v %v", fr, err)
		}
		if _, _, err := b.BlobHeader(ctx, "prac1", "blob1"); !errors.Is(err, syncproto.ErrUnknownBlob) {
			t.Fatalf("header before the commit: %v", err)
		}
		if _, err := b.BlobChunk(ctx, "prac1", "blob1", 1); !errors.Is(err, syncproto.ErrUnknownBlob) {
			t.Fatalf("chunk before the commit: %v", err)
		}
		// A chunk sent again before the commit replaces the first copy.
		if err := b.PutBlobChunk(ctx, "prac1", "blob1", 1, blobChunk(two, 1, 2)); err != nil {
			t.Fatal(err)
		}
		if err := b.PutBlobChunk(ctx, "prac1", "blob1", 0, blobChunk(two, 0, 2)); err != nil {
			t.Fatal(err)
		}
		st, err = b.CommitBlob(ctx, "prac1", "blob1", []byte("header"))
		if err != nil || !st.Committed || st.Seq != 1 {
			t.Fatalf("commit: %+v %v", st, err)
		}
		if st, err := b.CommitBlob(ctx, "prac1", "blob1", []byte("header")); err != nil || st.Seq != 1 {
			t.Fatalf("commit again: %+v %v", st, err)
		}
		if _, err := b.CommitBlob(ctx, "prac1", "blob1", []byte("other")); !errors.Is(err, syncproto.ErrBlobMismatch) {
			t.Fatalf("commit with another header: %v", err)
		}
		if err := b.PutBlobChunk(ctx, "prac1", "blob1", 1, blobChunk(two, 1, 2)); err != nil {
			t.Fatalf("the same chunk after the commit: %v", err)
		}
		if err := b.PutBlobChunk(ctx, "prac1", "blob1", 1, blobChunk(two, 1, 3)); !errors.Is(err, syncproto.ErrBlobMismatch) {
			t.Fatalf("another chunk after the commit: %v", err)
		}
		b = reopen()
		h, st, err := b.BlobHeader(ctx, "prac1", "blob1")
		if err != nil || string(h) != "header" || !st.Committed || st.Size != two || st.Chunks != 2 || st.Seq != 1 {
			t.Fatalf("header after reopening: %q %+v %v", h, st, err)
		}
		c, err := b.BlobChunk(ctx, "prac1", "blob1", 1)
		if err != nil || !bytes.Equal(c, blobChunk(two, 1, 2)) {
			t.Fatalf("chunk after reopening: %d bytes, %v", len(c), err)
		}
		if _, err := b.BlobChunk(ctx, "prac1", "blob1", 2); !errors.Is(err, syncproto.ErrUnknownBlob) {
			t.Fatalf("no such chunk: %v", err)
		}
		// Another practice sees nothing of it.
		if err := setupPractice(ctx, b, "prac2", now); err != nil {
			t.Fatal(err)
		}
		if _, _, err := b.BlobHeader(ctx, "prac2", "blob1"); !errors.Is(err, syncproto.ErrUnknownBlob) {
			t.Fatalf("another practice's header: %v", err)
		}
		if fr, err := b.BlobFeed(ctx, "prac2", 0, 10); err != nil || len(fr.Blobs) != 0 {
			t.Fatalf("another practice's feed: %+v %v", fr, err)
		}
	})
	t.Run("blob feed", func(t *testing.T) {
		b, _ := setup(t)
		for i := range 5 {
			id := fmt.Sprintf("blob%d", i)
			if _, err := b.BeginBlob(ctx, "prac1", "devA", id, small, 1, now); err != nil {
				t.Fatal(err)
			}
			if err := b.PutBlobChunk(ctx, "prac1", id, 0, blobChunk(small, 0, byte(i))); err != nil {
				t.Fatal(err)
			}
			if _, err := b.CommitBlob(ctx, "prac1", id, []byte("h")); err != nil {
				t.Fatal(err)
			}
		}
		fr, err := b.BlobFeed(ctx, "prac1", 1, 2)
		if err != nil || len(fr.Blobs) != 2 || !fr.More || fr.LastSeq != 3 || fr.Blobs[0].ID != "blob1" || fr.Blobs[0].Seq != 2 || !fr.Blobs[0].Committed {
			t.Fatalf("feed after 1: %+v %v", fr, err)
		}
		fr, err = b.BlobFeed(ctx, "prac1", 3, 10)
		if err != nil || len(fr.Blobs) != 2 || fr.More || fr.LastSeq != 5 {
			t.Fatalf("feed after 3: %+v %v", fr, err)
		}
		fr, err = b.BlobFeed(ctx, "prac1", 5, 10)
		if err != nil || len(fr.Blobs) != 0 || fr.More || fr.LastSeq != 5 {
			t.Fatalf("feed at its end: %+v %v", fr, err)
		}
		// Asked past its end (a server put back from an older copy), the
		// feed answers with its real end.
		fr, err = b.BlobFeed(ctx, "prac1", 9, 10)
		if err != nil || len(fr.Blobs) != 0 || fr.LastSeq != 5 {
			t.Fatalf("feed past its end: %+v %v", fr, err)
		}
		if _, err := b.BlobFeed(ctx, "nope", 0, 10); !errors.Is(err, syncproto.ErrUnknownPractice) {
			t.Fatalf("feed of an unknown practice: %v", err)
		}
	})
}

// runAudit holds a backend's audit streams to their documented semantics.
func runAudit(t *testing.T, setup func(*testing.T) (syncserver.Backend, func() syncserver.Backend), now time.Time) {
	ctx := context.Background()
	t.Run("audit streams", func(t *testing.T) {
		b, reopen := setup(t)
		if err := b.AddDevice(ctx, "prac1", syncserver.Device{ID: "devB", Name: "ws devB", TokenHash: bytes.Repeat([]byte{2}, 32), Created: now}); err != nil {
			t.Fatal(err)
		}
		chain := auditChain(5, 0)
		if sts, err := b.AuditStreams(ctx, "prac1"); err != nil || len(sts) != 0 {
			t.Fatalf("streams of a new practice: %+v %v", sts, err)
		}
		st, err := b.AppendAudit(ctx, "prac1", "devA", syncproto.AuditPushRequest{Head: 3, Entries: chain[:3]}, now)
		h3 := store.AuditEntryHash(3, chain[2].Stored)
		if err != nil || st.Seq != 3 || !bytes.Equal(st.Hash, h3[:]) || st.Refused != nil {
			t.Fatalf("first push: %+v %v", st, err)
		}
		// A retry overlapping what is held, then the rest.
		st, err = b.AppendAudit(ctx, "prac1", "devA", syncproto.AuditPushRequest{Head: 5, Entries: chain[2:]}, now)
		if err != nil || st.Seq != 5 {
			t.Fatalf("second push: %+v %v", st, err)
		}
		if _, err := b.AppendAudit(ctx, "prac1", "devB", syncproto.AuditPushRequest{Head: 2, Entries: auditChain(2, 100)}, now); err != nil {
			t.Fatal(err)
		}
		// Entries, paged by count and by bytes.
		res, err := b.AuditEntries(ctx, "prac1", "devA", 1, 2, 1<<20)
		if err != nil || len(res.Entries) != 2 || !res.More || res.Entries[0].Seq != 2 || !bytes.Equal(res.Entries[1].Stored, chain[2].Stored) {
			t.Fatalf("entries after 1: %+v %v", res, err)
		}
		res, err = b.AuditEntries(ctx, "prac1", "devA", 0, 10, 1)
		if err != nil || len(res.Entries) != 1 || !res.More {
			t.Fatalf("entries by bytes: %d %v %v", len(res.Entries), res.More, err)
		}
		if res, err := b.AuditEntries(ctx, "prac1", "devC", 0, 10, 1<<20); err != nil || len(res.Entries) != 0 {
			t.Fatalf("unknown stream: %+v %v", res, err)
		}
		// A log that does not continue the server's copy is refused, the
		// first refusal kept, nothing else changed.
		bad := auditChain(6, 50)[5]
		_, err = b.AppendAudit(ctx, "prac1", "devA", syncproto.AuditPushRequest{Head: 6, Entries: []store.AuditWire{bad}}, now)
		if !errors.Is(err, syncproto.ErrAuditDiverged) {
			t.Fatalf("diverged push: %v", err)
		}
		_, err = b.AppendAudit(ctx, "prac1", "devA", syncproto.AuditPushRequest{Head: 2}, now.Add(time.Hour))
		if !errors.Is(err, syncproto.ErrAuditDiverged) {
			t.Fatalf("push of a shorter log: %v", err)
		}
		b = reopen()
		sts, err := b.AuditStreams(ctx, "prac1")
		if err != nil || len(sts) != 2 || sts[0].Device != "devA" || sts[1].Device != "devB" || sts[0].Name != "ws devA" {
			t.Fatalf("streams: %+v %v", sts, err)
		}
		a := sts[0]
		if a.Seq != 5 || a.Refused == nil || a.Refused.Seq != 6 || !a.Refused.At.Equal(now) || a.Refused.Reason == "" || sts[1].Refused != nil || sts[1].Seq != 2 {
			t.Fatalf("stream after the refusals: %+v (refused %+v)", a, a.Refused)
		}
		// Another practice sees nothing of it.
		if err := setupPractice(ctx, b, "prac2", now); err != nil {
			t.Fatal(err)
		}
		if sts, err := b.AuditStreams(ctx, "prac2"); err != nil || len(sts) != 0 {
			t.Fatalf("another practice's streams: %+v %v", sts, err)
		}
	})
	t.Run("audit stream behind the device", func(t *testing.T) {
		// A server put back from an older copy holds fewer entries than
		// the device: it accepts the rest, continuing its copy.
		b, _ := setup(t)
		chain := auditChain(6, 0)
		if _, err := b.AppendAudit(ctx, "prac1", "devA", syncproto.AuditPushRequest{Head: 6, Entries: chain[:2]}, now); err != nil {
			t.Fatal(err)
		}
		st, err := b.AppendAudit(ctx, "prac1", "devA", syncproto.AuditPushRequest{Head: 6, Entries: chain[2:]}, now)
		if err != nil || st.Seq != 6 || st.Refused != nil {
			t.Fatalf("push onto a stream behind the device: %+v %v", st, err)
		}
	})
}

func setupPractice(ctx context.Context, b syncserver.Backend, pid string, now time.Time) error {
	return b.RegisterPractice(ctx, pid, syncserver.Device{ID: "devP", Name: "ws devP", TokenHash: bytes.Repeat([]byte{9}, 32), Created: now})
}

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
