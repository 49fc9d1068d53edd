package backendtest

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"chartkeeper/syncproto"
	"chartkeeper/syncserver"
)

// runKeys checks the practice's public keys: kept from registration,
// none for a practice registered without them, replaced only by a compare
// and swap (one of two racing replacements wins), kept across a reopen,
// and never reachable through another practice.
func runKeys(t *testing.T, open Opener, now time.Time) {
	ctx := context.Background()
	k := func(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }
	first := syncserver.Device{ID: "devK", Name: "ws devK", TokenHash: k(7), Created: now}
	t.Run("practice keys", func(t *testing.T) {
		b, reopen := open(t)
		keys := syncserver.PracticeKeys{Admin: k(1), Recovery: k(2)}
		if err := b.RegisterPractice(ctx, "pk1", first, keys); err != nil {
			t.Fatal(err)
		}
		if err := b.RegisterPractice(ctx, "pk2", first, syncserver.PracticeKeys{}); err != nil {
			t.Fatal(err)
		}
		if got, err := b.PracticeKeys(ctx, "pk1"); err != nil || !got.Equal(keys) {
			t.Fatalf("keys after registration: %+v %v", got, err)
		}
		if got, err := b.PracticeKeys(ctx, "pk2"); err != nil || len(got.Admin) != 0 || len(got.Recovery) != 0 {
			t.Fatalf("a practice registered without keys: %+v %v", got, err)
		}
		if _, err := b.PracticeKeys(ctx, "nope"); !errors.Is(err, syncproto.ErrUnknownPractice) {
			t.Fatalf("unknown practice: %v", err)
		}
		if err := b.ReplacePracticeKeys(ctx, "nope", syncserver.PracticeKeys{}, keys); !errors.Is(err, syncproto.ErrUnknownPractice) {
			t.Fatalf("replacing an unknown practice's keys: %v", err)
		}
		// A stale old value changes nothing.
		next := syncserver.PracticeKeys{Admin: k(3), Recovery: k(2)}
		if err := b.ReplacePracticeKeys(ctx, "pk1", syncserver.PracticeKeys{Admin: k(9), Recovery: k(2)}, next); !errors.Is(err, syncproto.ErrPracticeKeysChanged) {
			t.Fatalf("replacing with a stale old value: %v", err)
		}
		if got, _ := b.PracticeKeys(ctx, "pk1"); !got.Equal(keys) {
			t.Fatalf("a refused replacement changed the keys: %+v", got)
		}
		if err := b.ReplacePracticeKeys(ctx, "pk1", keys, next); err != nil {
			t.Fatal(err)
		}
		// The first keys of a practice without any (set from nothing).
		legacy := syncserver.PracticeKeys{Admin: k(4), Recovery: k(5)}
		if err := b.ReplacePracticeKeys(ctx, "pk2", syncserver.PracticeKeys{}, legacy); err != nil {
			t.Fatal(err)
		}
		// Two racing replacements from the same old value: one wins.
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range errs {
			wg.Go(func() {
				errs[i] = b.ReplacePracticeKeys(ctx, "pk2", legacy, syncserver.PracticeKeys{Admin: k(byte(10 + i)), Recovery: k(5)})
			})
		}
		wg.Wait()
		if (errs[0] == nil) == (errs[1] == nil) || !errors.Is(errors.Join(errs...), syncproto.ErrPracticeKeysChanged) {
			t.Fatalf("two racing replacements: %v, %v; want one to win", errs[0], errs[1])
		}
		won := syncserver.PracticeKeys{Admin: k(10), Recovery: k(5)}
		if errs[0] != nil {
			won.Admin = k(11)
		}
		if reopen != nil {
			b = reopen()
		}
		if got, err := b.PracticeKeys(ctx, "pk1"); err != nil || !got.Equal(next) {
			t.Fatalf("pk1's keys after replacement: %+v %v", got, err)
		}
		if got, err := b.PracticeKeys(ctx, "pk2"); err != nil || !got.Equal(won) {
			t.Fatalf("pk2's keys after the race: %+v %v; want %+v", got, err, won)
		}
	})
}
