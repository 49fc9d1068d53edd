// Package backendtest is the test suite every syncserver.Backend must pass. A
// backend's test calls Run with a function that opens a fresh, empty
// backend (and may reopen it, for the durability checks).
package backendtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"chartkeeper/syncproto"
	"chartkeeper/syncserver"
)

// Opener opens an empty backend for one subtest. Reopen, when not nil,
// closes it and opens the same storage again.
type Opener func(t *testing.T) (b syncserver.Backend, reopen func() syncserver.Backend)

func rev(id string, gen int, tag string, parents ...string) syncproto.Rev {
	return syncproto.Rev{RecordID: id, Rev: fmt.Sprintf("%d-%032x", gen, len(tag)*7919+gen), Parents: parents, Sealed: []byte("sealed:" + tag)}
}

// Run runs the suite.
func Run(t *testing.T, open Opener) {
	ctx := context.Background()
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	dev := func(id string) syncserver.Device {
		return syncserver.Device{ID: id, Name: "ws " + id, TokenHash: bytes.Repeat([]byte(id[:1]), 32), Created: now}
	}
	setup := func(t *testing.T) (syncserver.Backend, func() syncserver.Backend) {
		b, re := open(t)
		if b.ServerID() == "" {
			t.Fatal("empty server ID")
		}
		if err := b.RegisterPractice(ctx, "prac1", dev("devA"), syncserver.PracticeKeys{}); err != nil {
			t.Fatal(err)
		}
		return b, re
	}

	t.Run("devices", func(t *testing.T) {
		b, _ := setup(t)
		if err := b.RegisterPractice(ctx, "prac1", dev("devX"), syncserver.PracticeKeys{}); !errors.Is(err, syncproto.ErrPracticeExists) {
			t.Fatalf("second registration: %v", err)
		}
		if _, err := b.Device(ctx, "nope", "devA"); !errors.Is(err, syncproto.ErrUnknownPractice) {
			t.Fatalf("unknown practice: %v", err)
		}
		if _, err := b.Device(ctx, "prac1", "devB"); !errors.Is(err, syncproto.ErrUnknownDevice) {
			t.Fatalf("unknown device: %v", err)
		}
		if err := b.AddDevice(ctx, "prac1", dev("devB")); err != nil {
			t.Fatal(err)
		}
		if err := b.AddDevice(ctx, "prac1", dev("devB")); !errors.Is(err, syncproto.ErrDeviceExists) {
			t.Fatalf("adding twice: %v", err)
		}
		if err := b.AddDevice(ctx, "nope", dev("devC")); !errors.Is(err, syncproto.ErrUnknownPractice) {
			t.Fatalf("device of an unknown practice: %v", err)
		}
		d, err := b.Device(ctx, "prac1", "devB")
		if err != nil || d.Name != "ws devB" || !bytes.Equal(d.TokenHash, dev("devB").TokenHash) || !d.Created.Equal(now) || !d.Revoked.IsZero() {
			t.Fatalf("device: %+v %v", d, err)
		}
		if err := b.RevokeDevice(ctx, "prac1", "devB", now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		b.RevokeDevice(ctx, "prac1", "devB", now.Add(2*time.Hour))
		if d, _ := b.Device(ctx, "prac1", "devB"); !d.Revoked.Equal(now.Add(time.Hour)) {
			t.Fatalf("revoked at %v", d.Revoked)
		}
		if err := b.RevokeDevice(ctx, "prac1", "devZ", now); !errors.Is(err, syncproto.ErrUnknownDevice) {
			t.Fatalf("revoking an unknown device: %v", err)
		}
		ds, err := b.Devices(ctx, "prac1")
		if err != nil || len(ds) != 2 || ds[0].ID != "devA" || ds[1].ID != "devB" {
			t.Fatalf("devices: %+v %v", ds, err)
		}
	})

	t.Run("device keys", func(t *testing.T) {
		b, reopen := setup(t)
		key := func(c byte) []byte { return bytes.Repeat([]byte{c}, 32) }
		// A device enrolled with a key keeps it.
		withKey := dev("devK")
		withKey.PublicKey = key(7)
		if err := b.AddDevice(ctx, "prac1", withKey); err != nil {
			t.Fatal(err)
		}
		// devA was registered before devices had keys: it registers one once.
		if d, err := b.Device(ctx, "prac1", "devA"); err != nil || d.PublicKey != nil {
			t.Fatalf("a device without a key: %x %v", d.PublicKey, err)
		}
		used, _ := b.Usage(ctx, "prac1")
		if err := b.SetDeviceKey(ctx, "prac1", "devA", key(1)); err != nil {
			t.Fatal(err)
		}
		if u, _ := b.Usage(ctx, "prac1"); u != used+32 {
			t.Fatalf("usage after a key: %d, want %d", u, used+32)
		}
		if err := b.SetDeviceKey(ctx, "prac1", "devA", key(1)); err != nil {
			t.Fatalf("the same key again: %v", err)
		}
		if err := b.SetDeviceKey(ctx, "prac1", "devA", key(2)); !errors.Is(err, syncproto.ErrDeviceKeyExists) {
			t.Fatalf("another key: %v", err)
		}
		if err := b.SetDeviceKey(ctx, "prac1", "devK", key(2)); !errors.Is(err, syncproto.ErrDeviceKeyExists) {
			t.Fatalf("another key for a device enrolled with one: %v", err)
		}
		if err := b.SetDeviceKey(ctx, "prac1", "devZ", key(2)); !errors.Is(err, syncproto.ErrUnknownDevice) {
			t.Fatalf("a key for an unknown device: %v", err)
		}
		if err := b.SetDeviceKey(ctx, "nope", "devA", key(2)); !errors.Is(err, syncproto.ErrUnknownPractice) {
			t.Fatalf("a key in an unknown practice: %v", err)
		}
		if err := b.RevokeDevice(ctx, "prac1", "devK", now); err != nil {
			t.Fatal(err)
		}
		if reopen != nil {
			b = reopen()
		}
		for id, want := range map[string][]byte{"devA": key(1), "devK": key(7)} {
			if d, err := b.Device(ctx, "prac1", id); err != nil || !bytes.Equal(d.PublicKey, want) {
				t.Fatalf("%s's key: %x %v", id, d.PublicKey, err)
			}
		}
		ds, err := b.Devices(ctx, "prac1")
		if err != nil || len(ds) != 2 || !bytes.Equal(ds[0].PublicKey, key(1)) || !bytes.Equal(ds[1].PublicKey, key(7)) {
			t.Fatalf("devices: %+v %v", ds, err)
		}
	})

	t.Run("enrollment", func(t *testing.T) {
		b, _ := setup(t)
		h := func(c byte) []byte { return bytes.Repeat([]byte{c}, 32) }
		e := syncserver.Enrollment{TokenHash: h(1), Sealed: []byte("sealed secrets"), Issuer: "devA", Created: now, Expires: now.Add(time.Hour)}
		if err := b.AddEnrollment(ctx, "nope", e); !errors.Is(err, syncproto.ErrUnknownPractice) {
			t.Fatalf("enrollment of an unknown practice: %v", err)
		}
		if err := b.AddEnrollment(ctx, "prac1", e); err != nil {
			t.Fatal(err)
		}
		if err := b.AddEnrollment(ctx, "prac1", e); err == nil {
			t.Fatal("the same token twice")
		}
		e2 := e
		e2.TokenHash = h(2)
		if err := b.AddEnrollment(ctx, "prac1", e2); err != nil {
			t.Fatal(err)
		}
		if _, err := b.RedeemEnrollment(ctx, "prac1", h(9), dev("devN"), now); !errors.Is(err, syncproto.ErrUnknownEnrollment) {
			t.Fatalf("unknown token: %v", err)
		}
		if _, err := b.RedeemEnrollment(ctx, "nope", h(1), dev("devN"), now); !errors.Is(err, syncproto.ErrUnknownEnrollment) {
			t.Fatalf("unknown practice: %v", err)
		}
		if _, err := b.RedeemEnrollment(ctx, "prac1", h(1), dev("devA"), now); !errors.Is(err, syncproto.ErrDeviceExists) {
			t.Fatalf("taken device ID: %v", err)
		}
		if _, err := b.Device(ctx, "prac1", "devN"); !errors.Is(err, syncproto.ErrUnknownDevice) {
			t.Fatalf("a refused redemption enrolled the device: %v", err)
		}
		got, err := b.RedeemEnrollment(ctx, "prac1", h(1), dev("devN"), now.Add(time.Minute))
		if err != nil || string(got) != "sealed secrets" {
			t.Fatalf("redeem: %q %v", got, err)
		}
		if d, err := b.Device(ctx, "prac1", "devN"); err != nil || d.Name != "ws devN" {
			t.Fatalf("redeemed device: %+v %v", d, err)
		}
		if _, err := b.RedeemEnrollment(ctx, "prac1", h(1), dev("devM"), now.Add(time.Minute)); !errors.Is(err, syncproto.ErrEnrollmentUsed) {
			t.Fatalf("second use: %v", err)
		}
		if _, err := b.RedeemEnrollment(ctx, "prac1", h(2), dev("devM"), now.Add(time.Hour)); !errors.Is(err, syncproto.ErrEnrollmentExpired) {
			t.Fatalf("expired: %v", err)
		}
		if _, err := b.RedeemEnrollment(ctx, "prac1", h(2), dev("devM"), now); !errors.Is(err, syncproto.ErrEnrollmentExpired) {
			t.Fatalf("expired stays expired (its secrets are forgotten): %v", err)
		}
		e3 := e
		e3.TokenHash, e3.Issuer = h(3), "devN"
		if err := b.AddEnrollment(ctx, "prac1", e3); err != nil {
			t.Fatal(err)
		}
		b.RevokeDevice(ctx, "prac1", "devN", now)
		if _, err := b.RedeemEnrollment(ctx, "prac1", h(3), dev("devM"), now); !errors.Is(err, syncproto.ErrIssuerRevoked) {
			t.Fatalf("issuer revoked: %v", err)
		}
	})

	t.Run("push and changes", func(t *testing.T) {
		b, _ := setup(t)
		b.RegisterPractice(ctx, "prac2", dev("devQ"), syncserver.PracticeKeys{})
		r1 := rev("rec1", 1, "a")
		r2 := rev("rec1", 2, "bb", r1.Rev)
		r3 := rev("rec2", 1, "ccc")
		res, err := b.Push(ctx, "prac1", "devA", []syncproto.Rev{r1, r2, r3})
		if err != nil || res.Inserted != 3 || res.Existing != 0 || res.LastSeq != 3 {
			t.Fatalf("push: %+v %v", res, err)
		}
		// Again, and overlapping: nothing new.
		res, err = b.Push(ctx, "prac1", "devB", []syncproto.Rev{r2, r1})
		if err != nil || res.Inserted != 0 || res.Existing != 2 || res.LastSeq != 3 {
			t.Fatalf("push again: %+v %v", res, err)
		}
		// A parent the server lacks: the whole batch is refused.
		r4 := rev("rec3", 1, "d")
		orphan := rev("rec2", 3, "e", "2-00000000000000000000000000000001")
		if _, err := b.Push(ctx, "prac1", "devA", []syncproto.Rev{r4, orphan}); !errors.Is(err, syncproto.ErrMissingParent) {
			t.Fatalf("orphan: %v", err)
		}
		if _, err := b.Push(ctx, "nope", "devA", []syncproto.Rev{r4}); !errors.Is(err, syncproto.ErrUnknownPractice) {
			t.Fatalf("unknown practice: %v", err)
		}
		got, err := b.Changes(ctx, "prac1", 0, 100, 1<<20, "")
		if err != nil || len(got.Revs) != 3 || got.More || got.LastSeq != 3 {
			t.Fatalf("changes: %+v %v", got, err)
		}
		for i, want := range []syncproto.Rev{r1, r2, r3} {
			g := got.Revs[i]
			if g.Seq != uint64(i+1) || g.RecordID != want.RecordID || g.Rev != want.Rev || !bytes.Equal(g.Sealed, want.Sealed) ||
				fmt.Sprint(g.Parents) != fmt.Sprint(want.Parents) || g.Device != "devA" {
				t.Fatalf("change %d: %+v, want %+v", i, g, want)
			}
		}
		// Paging by count and by size.
		got, _ = b.Changes(ctx, "prac1", 0, 2, 1<<20, "")
		if len(got.Revs) != 2 || !got.More || got.LastSeq != 2 {
			t.Fatalf("limit 2: %+v", got)
		}
		got, _ = b.Changes(ctx, "prac1", 2, 2, 1<<20, "")
		if len(got.Revs) != 1 || got.More || got.LastSeq != 3 {
			t.Fatalf("after 2: %+v", got)
		}
		got, _ = b.Changes(ctx, "prac1", 0, 100, 1, "")
		if len(got.Revs) != 1 || !got.More || got.LastSeq != 1 {
			t.Fatalf("max 1 byte still sends one: %+v", got)
		}
		// Skipping the asking device's own revisions still moves LastSeq.
		b.Push(ctx, "prac1", "devB", []syncproto.Rev{r4})
		got, _ = b.Changes(ctx, "prac1", 0, 100, 1<<20, "devA")
		if len(got.Revs) != 1 || got.Revs[0].Rev != r4.Rev || got.LastSeq != 4 || got.More {
			t.Fatalf("skipping devA: %+v", got)
		}
		got, _ = b.Changes(ctx, "prac1", 4, 100, 1<<20, "")
		if len(got.Revs) != 0 || got.LastSeq != 4 || got.More {
			t.Fatalf("caught up: %+v", got)
		}
		// Practices are separate.
		got, _ = b.Changes(ctx, "prac2", 0, 100, 1<<20, "")
		if len(got.Revs) != 0 {
			t.Fatalf("another practice sees %d revisions", len(got.Revs))
		}
	})

	t.Run("durable across reopen", func(t *testing.T) {
		b, reopen := setup(t)
		if reopen == nil {
			t.Skip("backend cannot be reopened")
		}
		id := b.ServerID()
		b.Push(ctx, "prac1", "devA", []syncproto.Rev{rev("rec1", 1, "a")})
		b = reopen()
		if b.ServerID() != id {
			t.Fatal("server ID changed on reopen")
		}
		got, err := b.Changes(ctx, "prac1", 0, 100, 1<<20, "")
		if err != nil || len(got.Revs) != 1 {
			t.Fatalf("after reopen: %+v %v", got, err)
		}
		res, _ := b.Push(ctx, "prac1", "devA", []syncproto.Rev{rev("rec9", 1, "z")})
		if res.LastSeq != 2 {
			t.Fatalf("sequence after reopen: %d", res.LastSeq)
		}
	})

	t.Run("concurrent pushes", func(t *testing.T) {
		b, _ := setup(t)
		done := make(chan error)
		for w := 0; w < 8; w++ {
			go func() {
				var err error
				for i := 0; i < 20 && err == nil; i++ {
					_, err = b.Push(ctx, "prac1", "devA", []syncproto.Rev{rev(fmt.Sprintf("r%d", i), 1, "x")})
				}
				done <- err
			}()
		}
		for w := 0; w < 8; w++ {
			if err := <-done; err != nil {
				t.Fatal(err)
			}
		}
		got, _ := b.Changes(ctx, "prac1", 0, 1000, 1<<20, "")
		if len(got.Revs) != 20 || got.LastSeq != 20 {
			t.Fatalf("%d revisions, last seq %d; want 20", len(got.Revs), got.LastSeq)
		}
	})
	runLogEnd(t, setup)
	runBlobs(t, setup, now)
	runAudit(t, setup, now)
	runQuota(t, setup, now)
	runSweep(t, setup, now, dev)
	runItems(t, setup, now)
	runKeys(t, open, now)
	runDeviceStates(t, setup, now)
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

func setupPractice(ctx context.Context, b syncserver.Backend, pid string, now time.Time) error {
	return b.RegisterPractice(ctx, pid, syncserver.Device{ID: "devP", Name: "ws devP", TokenHash: bytes.Repeat([]byte{9}, 32), Created: now}, syncserver.PracticeKeys{})
}
