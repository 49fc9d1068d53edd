package backendtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"chartkeeper/syncproto"
	"chartkeeper/syncserver"
)

// runQuota holds a backend's quota to its semantics: a running total of
// every stored item's charge per practice (syncserver's RevSize,
// DeviceSize and the rest), and writes past the quota refused with nothing
// stored, metadata included.
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
		base := syncserver.RegistrationSize(syncserver.Device{ID: "devA", Name: "ws devA", TokenHash: make([]byte, 32)})
		usage(base)
		if _, err := b.Usage(ctx, "nope"); !errors.Is(err, syncproto.ErrUnknownPractice) {
			t.Fatalf("usage of an unknown practice: %v", err)
		}
		r1, r2 := rev("r1", 1, "a"), rev("r2", 1, "b")
		if _, err := b.Push(ctx, "prac1", "devA", []syncproto.Rev{r1, r2}); err != nil {
			t.Fatal(err)
		}
		want := base + syncserver.RevSize(r1) + syncserver.RevSize(r2)
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
		want += syncserver.BlobBeginSize + int64(len(chunk)+len("header"))
		usage(want)
		chain := auditChain(3, 0)
		if _, err := b.AppendAudit(ctx, "prac1", "devA", syncproto.AuditPushRequest{Head: 2, Entries: chain[:2]}, now); err != nil {
			t.Fatal(err)
		}
		want += syncserver.AuditEntrySize(chain[0].Stored) + syncserver.AuditEntrySize(chain[1].Stored)
		usage(want)
		if _, err := b.BeginBlob(ctx, "prac1", "devA", "blob2", small, 1, now); err != nil {
			t.Fatal(err)
		}
		want += syncserver.BlobBeginSize
		usage(want)

		// Full: every kind of write is refused and stores nothing.
		b.SetQuota(want + 3)
		if _, err := b.Push(ctx, "prac1", "devA", []syncproto.Rev{rev("r3", 1, "ccc")}); !errors.Is(err, syncproto.ErrQuotaExceeded) {
			t.Fatalf("push past the quota: %v", err)
		}
		if res, err := b.Changes(ctx, "prac1", 0, 10, 1<<20, ""); err != nil || len(res.Revs) != 2 {
			t.Fatalf("log after the refused push: %d revisions, %v", len(res.Revs), err)
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
		// Metadata counts too: a revision with a long parent list and
		// almost no sealed bytes, a blob announcement, an enrollment, a
		// device.
		long := rev("r1", 2, "x", r1.Rev)
		for i := range 63 {
			long.Parents = append(long.Parents, fmt.Sprintf("1-%032x", i+100))
		}
		if _, err := b.Push(ctx, "prac1", "devA", []syncproto.Rev{long}); !errors.Is(err, syncproto.ErrQuotaExceeded) && !errors.Is(err, syncproto.ErrMissingParent) {
			t.Fatalf("push of a long parent list past the quota: %v", err)
		}
		if _, err := b.BeginBlob(ctx, "prac1", "devA", "blob3", 0, 1, now); !errors.Is(err, syncproto.ErrQuotaExceeded) {
			t.Fatalf("blob announcement past the quota: %v", err)
		}
		enr := syncserver.Enrollment{TokenHash: bytes.Repeat([]byte{7}, 32), Sealed: bytes.Repeat([]byte{1}, 200), Issuer: "devA", Created: now, Expires: now.Add(time.Hour)}
		if err := b.AddEnrollment(ctx, "prac1", enr); !errors.Is(err, syncproto.ErrQuotaExceeded) {
			t.Fatalf("enrollment past the quota: %v", err)
		}
		if err := b.AddDevice(ctx, "prac1", syncserver.Device{ID: "devZ", Name: strings.Repeat("z", 200), TokenHash: make([]byte, 32), Created: now}); !errors.Is(err, syncproto.ErrQuotaExceeded) {
			t.Fatalf("device past the quota: %v", err)
		}
		if _, err := b.Device(ctx, "prac1", "devZ"); !errors.Is(err, syncproto.ErrUnknownDevice) {
			t.Fatalf("refused device stored: %v", err)
		}
		usage(want)
		// A small write that fits still goes in.
		small3 := syncproto.Rev{RecordID: "r4", Rev: "1-00000000000000000000000000000004", Sealed: []byte("xyz")}
		b.SetQuota(want + syncserver.RevSize(small3))
		if _, err := b.Push(ctx, "prac1", "devA", []syncproto.Rev{small3}); err != nil {
			t.Fatalf("push within the quota: %v", err)
		}
		want += syncserver.RevSize(small3)
		usage(want)
		// Raised, and the total survives a reopen.
		b.SetQuota(0)
		if _, err := b.Push(ctx, "prac1", "devA", []syncproto.Rev{rev("r3", 1, "ccc")}); err != nil {
			t.Fatal(err)
		}
		want += syncserver.RevSize(rev("r3", 1, "ccc"))
		b = reopen()
		usage(want)
	})
}
