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

// runItems holds a backend's operator listing and removal of what devices
// pushed to their documented semantics.
func runItems(t *testing.T, setup func(*testing.T) (syncserver.Backend, func() syncserver.Backend), now time.Time) {
	ctx := context.Background()
	t.Run("items listed and removed", func(t *testing.T) {
		b, reopen := setup(t)
		if err := b.AddDevice(ctx, "prac1", syncserver.Device{ID: "devB", Name: "ws devB", TokenHash: bytes.Repeat([]byte{2}, 32), Created: now}); err != nil {
			t.Fatal(err)
		}
		if err := setupPractice(ctx, b, "prac2", now); err != nil {
			t.Fatal(err)
		}
		// devA: r1 and its child; devB: garbage r2, a garbage child of
		// r1 and of its own r2, then devA continues r1 past it.
		a1, a2 := rev("r1", 1, "a"), rev("r1", 2, "aa", rev("r1", 1, "a").Rev)
		g1, g2 := rev("r2", 1, "gg"), rev("r1", 2, "ggg", a1.Rev)
		g3 := rev("r2", 2, "gggg", g1.Rev)
		if _, err := b.Push(ctx, "prac1", "devA", []syncproto.Rev{a1}); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Push(ctx, "prac1", "devB", []syncproto.Rev{g1, g2, g3}); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Push(ctx, "prac1", "devA", []syncproto.Rev{a2}); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Push(ctx, "prac2", "devP", []syncproto.Rev{rev("r9", 1, "p")}); err != nil {
			t.Fatal(err)
		}
		// A committed document and an upload never committed, by devB.
		const small = 1000
		for _, id := range []string{"blobB", "blobU"} {
			if _, err := b.BeginBlob(ctx, "prac1", "devB", id, small, 1, now); err != nil {
				t.Fatal(err)
			}
			if err := b.PutBlobChunk(ctx, "prac1", id, 0, blobChunk(small, 0, 3)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := b.CommitBlob(ctx, "prac1", "blobB", []byte("header")); err != nil {
			t.Fatal(err)
		}
		// The blob feed names the device that uploaded each document.
		if feed, err := b.BlobFeed(ctx, "prac1", 0, 10); err != nil || len(feed.Blobs) != 1 || feed.Blobs[0].ID != "blobB" || feed.Blobs[0].Device != "devB" {
			t.Fatalf("blob feed: %+v %v", feed, err)
		}
		chain := auditChain(4, 50)
		if _, err := b.AppendAudit(ctx, "prac1", "devB", syncproto.AuditPushRequest{Head: 4, Entries: chain}, now); err != nil {
			t.Fatal(err)
		}
		// A refusal noted on the stream goes with its tail.
		if _, err := b.AppendAudit(ctx, "prac1", "devB", syncproto.AuditPushRequest{Head: 4, Entries: []store.AuditWire{{Seq: 4, Stored: auditEntry(chain[3].Stored[:store.AuditHashSize], 99)}}}, now); !errors.Is(err, syncproto.ErrAuditDiverged) {
			t.Fatalf("diverging audit push: %v", err)
		}
		used, err := b.Usage(ctx, "prac1")
		if err != nil {
			t.Fatal(err)
		}

		all, err := b.Items(ctx, "prac1", syncserver.ItemFilter{})
		if err != nil {
			t.Fatal(err)
		}
		got := func(items []syncserver.Item) string {
			var s []string
			for _, it := range items {
				s = append(s, fmt.Sprintf("%s/%s/%d/%s", it.Kind, it.Device, it.Seq, it.ID))
			}
			return fmt.Sprint(s)
		}
		want := "[revision/devA/1/r1 revision/devB/2/r2 revision/devB/3/r1 revision/devB/4/r2 revision/devA/5/r1 document/devB/0/blobU document/devB/1/blobB audit/devB/1/ audit/devB/2/ audit/devB/3/ audit/devB/4/]"
		if got(all) != want {
			t.Fatalf("items:\n%s\nwant\n%s", got(all), want)
		}
		if all[1].Rev != g1.Rev || all[1].Size != int64(len(g1.Sealed)) || all[6].Size != small {
			t.Fatalf("items: %+v", all)
		}
		onlyB, err := b.Items(ctx, "prac1", syncserver.ItemFilter{Device: "devB", Kind: syncserver.ItemRevision})
		if err != nil || len(onlyB) != 3 {
			t.Fatalf("devB's revisions: %+v %v", onlyB, err)
		}
		if _, err := b.Items(ctx, "nope", syncserver.ItemFilter{}); !errors.Is(err, syncproto.ErrUnknownPractice) {
			t.Fatalf("items of an unknown practice: %v", err)
		}
		if _, err := b.RemoveItems(ctx, "prac1", syncserver.ItemFilter{}); !errors.Is(err, syncserver.ErrNoDevice) {
			t.Fatalf("removal without a device: %v", err)
		}
		// g1 alone cannot go: g3 continues it.
		if _, err := b.RemoveItems(ctx, "prac1", syncserver.ItemFilter{Device: "devB", Seqs: []uint64{2}, Kind: syncserver.ItemRevision}); !errors.Is(err, syncserver.ErrItemHasChildren) {
			t.Fatalf("removing a revision continued by another: %v", err)
		}
		// Nor devA's r1, continued by devA's a2 and devB's g2.
		if _, err := b.RemoveItems(ctx, "prac1", syncserver.ItemFilter{Device: "devA", Kind: syncserver.ItemRevision, Seqs: []uint64{1}}); !errors.Is(err, syncserver.ErrItemHasChildren) {
			t.Fatalf("removing a revision continued by another device's: %v", err)
		}

		// Every item of devB goes; devA's and the other practice's stay.
		n, err := b.RemoveItems(ctx, "prac1", syncserver.ItemFilter{Device: "devB"})
		if err != nil || n != 3+2+4 {
			t.Fatalf("removed %d: %v", n, err)
		}
		if reopen != nil {
			b = reopen()
		}
		left, err := b.Items(ctx, "prac1", syncserver.ItemFilter{})
		if err != nil || got(left) != "[revision/devA/1/r1 revision/devA/5/r1]" {
			t.Fatalf("left: %s %v", got(left), err)
		}
		if p2, _ := b.Items(ctx, "prac2", syncserver.ItemFilter{}); len(p2) != 1 {
			t.Fatalf("the other practice's items: %+v", p2)
		}
		after, err := b.Usage(ctx, "prac1")
		if err != nil {
			t.Fatal(err)
		}
		freed := syncserver.RevSize(g1) + syncserver.RevSize(g2) + syncserver.RevSize(g3) +
			2*(syncserver.BlobBeginSize+int64(len(blobChunk(small, 0, 3)))) + int64(len("header"))
		for _, e := range chain {
			freed += syncserver.AuditEntrySize(e.Stored)
		}
		if used-after != freed {
			t.Fatalf("usage went from %d to %d, want %d less", used, after, freed)
		}

		// The log's end stays where it was: checkpoints past the removed
		// revisions are not taken for a server put back.
		res, err := b.Changes(ctx, "prac1", 5, 10, 1<<20, "")
		if err != nil || res.LastSeq != 5 || len(res.Revs) != 0 {
			t.Fatalf("changes after 5: %+v %v", res, err)
		}
		res, err = b.Changes(ctx, "prac1", 1, 10, 1<<20, "")
		if err != nil || res.LastSeq != 5 || len(res.Revs) != 1 || res.Revs[0].Rev != a2.Rev {
			t.Fatalf("changes after 1: %+v %v", res, err)
		}
		if _, err := b.Push(ctx, "prac1", "devA", []syncproto.Rev{rev("r3", 1, "c")}); err != nil {
			t.Fatal(err)
		}
		if res, _ := b.Changes(ctx, "prac1", 5, 10, 1<<20, ""); len(res.Revs) != 1 || res.Revs[0].Seq != 6 {
			t.Fatalf("a push after the removal: %+v", res)
		}
		feed, err := b.BlobFeed(ctx, "prac1", 1, 10)
		if err != nil || feed.LastSeq != 1 || len(feed.Blobs) != 0 {
			t.Fatalf("blob feed after 1: %+v %v", feed, err)
		}
		if _, _, err := b.BlobHeader(ctx, "prac1", "blobB"); !errors.Is(err, syncproto.ErrUnknownBlob) {
			t.Fatalf("removed document's header: %v", err)
		}
		// The device's audit stream is empty, its refusal gone, and it
		// takes its log again.
		sts, _ := b.AuditStreams(ctx, "prac1")
		for _, st := range sts {
			if st.Device == "devB" && (st.Seq != 0 || st.Refused != nil) {
				t.Fatalf("devB's stream: %+v", st)
			}
		}
		if st, err := b.AppendAudit(ctx, "prac1", "devB", syncproto.AuditPushRequest{Head: 2, Entries: auditChain(2, 70)}, now); err != nil || st.Seq != 2 {
			t.Fatalf("devB pushes its log again: %+v %v", st, err)
		}
		// A tail from entry 2 on: entry 1 stays, the stream ends there.
		if n, err := b.RemoveItems(ctx, "prac1", syncserver.ItemFilter{Device: "devB", Kind: syncserver.ItemAudit, Seqs: []uint64{2}}); err != nil || n != 1 {
			t.Fatalf("removing the tail: %d %v", n, err)
		}
		h1 := store.AuditEntryHash(1, auditChain(2, 70)[0].Stored)
		sts, _ = b.AuditStreams(ctx, "prac1")
		for _, st := range sts {
			if st.Device == "devB" && (st.Seq != 1 || !bytes.Equal(st.Hash, h1[:])) {
				t.Fatalf("devB's stream after its tail went: %+v", st)
			}
		}
	})
}
