package backendtest

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"chartkeeper/syncproto"
	"chartkeeper/syncserver"
)

// runSweep holds a backend's enrollment sweep to its semantics: the
// sealed secrets of expired, unused enrollments are forgotten (and their
// bytes given back to the quota), live and used ones are left alone, and
// a swept code cannot be redeemed.
func runSweep(t *testing.T, setup func(*testing.T) (syncserver.Backend, func() syncserver.Backend), now time.Time, dev func(string) syncserver.Device) {
	ctx := context.Background()
	t.Run("enrollment sweep", func(t *testing.T) {
		b, reopen := setup(t)
		h := func(c byte) []byte { return bytes.Repeat([]byte{c}, 32) }
		sealed := []byte("sealed practice secret and data key")
		long := syncserver.Enrollment{TokenHash: h(1), Sealed: sealed, Issuer: "devA", Created: now, Expires: now.Add(time.Hour)}
		short := syncserver.Enrollment{TokenHash: h(2), Sealed: sealed, Issuer: "devA", Created: now, Expires: now.Add(time.Minute)}
		used := syncserver.Enrollment{TokenHash: h(3), Sealed: sealed, Issuer: "devA", Created: now, Expires: now.Add(time.Minute)}
		for _, e := range []syncserver.Enrollment{long, short, used} {
			if err := b.AddEnrollment(ctx, "prac1", e); err != nil {
				t.Fatal(err)
			}
		}
		if got, err := b.RedeemEnrollment(ctx, "prac1", h(3), dev("devU"), now); err != nil || !bytes.Equal(got, sealed) {
			t.Fatalf("redeem: %q %v", got, err)
		}
		if n, err := b.SweepEnrollments(ctx, now.Add(59*time.Second)); err != nil || n != 0 {
			t.Fatalf("sweep before any expiry: %d %v", n, err)
		}
		before, err := b.Usage(ctx, "prac1")
		if err != nil {
			t.Fatal(err)
		}
		if n, err := b.SweepEnrollments(ctx, now.Add(time.Minute)); err != nil || n != 1 {
			t.Fatalf("sweep at the short code's expiry: %d %v", n, err)
		}
		if after, err := b.Usage(ctx, "prac1"); err != nil || after != before-int64(len(sealed)) {
			t.Fatalf("usage after the sweep %d (%v), want %d", after, err, before-int64(len(sealed)))
		}
		if n, err := b.SweepEnrollments(ctx, now.Add(time.Minute)); err != nil || n != 0 {
			t.Fatalf("second sweep: %d %v", n, err)
		}
		if b2 := reopen(); b2 != nil {
			b = b2
		}
		// The swept code is refused as expired, even with the clock turned
		// back; the live one still works.
		if _, err := b.RedeemEnrollment(ctx, "prac1", h(2), dev("devS"), now); !errors.Is(err, syncproto.ErrEnrollmentExpired) {
			t.Fatalf("redeem of a swept code: %v", err)
		}
		if got, err := b.RedeemEnrollment(ctx, "prac1", h(1), dev("devL"), now.Add(2*time.Minute)); err != nil || !bytes.Equal(got, sealed) {
			t.Fatalf("redeem of the live code: %q %v", got, err)
		}
		if n, err := b.SweepEnrollments(ctx, now.Add(2*time.Hour)); err != nil || n != 0 {
			t.Fatalf("sweep after everything was used or swept: %d %v", n, err)
		}
		if _, err := b.SweepEnrollments(ctx, now.Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
	})
}
