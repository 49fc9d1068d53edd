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

// runDeviceStates holds a backend's kept device states to their
// documented semantics: each device's last state is kept across reopen,
// a state behind it is refused and changes nothing, devices are apart.
func runDeviceStates(t *testing.T, setup func(*testing.T) (syncserver.Backend, func() syncserver.Backend), now time.Time) {
	ctx := context.Background()
	t.Run("device states", func(t *testing.T) {
		b, reopen := setup(t)
		if err := b.AddDevice(ctx, "prac1", syncserver.Device{ID: "devB", Name: "ws devB", TokenHash: bytes.Repeat([]byte{2}, 32), Created: now}); err != nil {
			t.Fatal(err)
		}
		h1, h2 := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
		rec := func(b syncserver.Backend, dev string, seq uint64, hash []byte, changes uint64) error {
			return b.RecordDeviceState(ctx, "prac1", dev, syncproto.DeviceState{AuditSeq: seq, AuditHash: hash, Changes: changes}, now)
		}
		for _, s := range []struct {
			seq     uint64
			hash    []byte
			changes uint64
		}{{0, nil, 0}, {3, h1, 5}, {3, h1, 5}, {3, h1, 9}, {7, h2, 9}} {
			if err := rec(b, "devA", s.seq, s.hash, s.changes); err != nil {
				t.Fatalf("state %d/%d: %v", s.seq, s.changes, err)
			}
		}
		b = reopen()
		for _, s := range []struct {
			seq     uint64
			hash    []byte
			changes uint64
		}{{6, h2, 9}, {7, h1, 9}, {7, h2, 8}, {0, nil, 0}} {
			if err := rec(b, "devA", s.seq, s.hash, s.changes); !errors.Is(err, syncproto.ErrDeviceRolledBack) {
				t.Fatalf("state %d/%d behind 7/9 was not refused: %v", s.seq, s.changes, err)
			}
		}
		// The refusals kept the last state.
		if err := rec(b, "devA", 7, h2, 9); err != nil {
			t.Fatalf("the last state again: %v", err)
		}
		// Another device has its own.
		if err := rec(b, "devB", 1, h1, 1); err != nil {
			t.Fatalf("devB: %v", err)
		}
		if err := b.RecordDeviceState(ctx, "nope", "devA", syncproto.DeviceState{}, now); !errors.Is(err, syncproto.ErrUnknownPractice) {
			t.Fatalf("unknown practice: %v", err)
		}
		if err := b.RecordDeviceState(ctx, "prac1", "devZ", syncproto.DeviceState{}, now); !errors.Is(err, syncproto.ErrUnknownDevice) {
			t.Fatalf("unknown device: %v", err)
		}
	})
}
