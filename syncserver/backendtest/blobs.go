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
