package backendtest

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"chartkeeper/store"
	"chartkeeper/syncproto"
	"chartkeeper/syncserver"
)

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
