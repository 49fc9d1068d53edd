package store

import (
	"bytes"
	"testing"
)

// Audit entries that fail their checks are set aside, the imported chain
// runs through them (Verify agrees), and when the server later holds other
// entries there, the chain is taken again from its last imported entry,
// once.
func TestAuditSetAsideAndRewind(t *testing.T) {
	a, _ := newPractice(t)
	b := restoredCopy(t, a)
	for _, d := range []string{"one", "two", "three", "four"} {
		if err := a.Audit(AuditEvent{Action: "patient.view", Detail: d}); err != nil {
			t.Fatal(err)
		}
	}
	all := exportAll(t, a)
	n := len(all)
	dev := a.DeviceID()
	imp := func(entries []AuditWire) AuditImport {
		t.Helper()
		var r AuditImport
		err := b.Update(func(tx *Tx) error {
			var err error
			r, err = tx.ImportAuditSettingAside(dev, "front desk", dev, entries)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	head := func() AuditHead {
		var h AuditHead
		b.View(func(tx *Tx) error { h, _ = tx.PeerAuditHead(dev); return nil })
		return h
	}
	verify := func(what string) {
		t.Helper()
		if rep, err := b.Verify(); err != nil || !rep.OK() {
			t.Fatalf("%s: %v %v", what, err, rep.Problems)
		}
	}

	// Garbage in place of the last two entries, linked as the server
	// checks (a stolen token, no key).
	garbage := func(seq uint64, prev [AuditHashSize]byte, fill byte) AuditWire {
		return AuditWire{Seq: seq, Stored: append(bytes.Clone(prev[:]), bytes.Repeat([]byte{fill}, 80)...)}
	}
	g1 := garbage(uint64(n-1), AuditEntryHash(all[n-3].Seq, all[n-3].Stored), 1)
	g2 := garbage(uint64(n), AuditEntryHash(g1.Seq, g1.Stored), 2)
	r := imp(append(append([]AuditWire(nil), all[:n-2]...), g1, g2))
	if r.Imported != n-2 || r.SetAside != 2 || r.Rewound || head().Seq != uint64(n) {
		t.Fatalf("with garbage: %+v, head %d", r, head().Seq)
	}
	verify("chain through entries set aside")
	items, err := b.SetAsideItems()
	if err != nil || len(items) != 2 || items[0].Kind != SetAsideAudit || items[0].Device != dev || items[0].Reason != "it was not sealed by this practice" {
		t.Fatalf("set aside: %+v %v", items, err)
	}
	// The same again: kept once.
	if r := imp(nil); r.SetAside != 0 {
		t.Fatalf("%+v", r)
	}

	// The server now holds the device's real entries there (its operator
	// removed the garbage): one more real entry does not follow the
	// garbage, and the chain goes back to its last imported entry, once.
	if err := a.Audit(AuditEvent{Action: "patient.view", Detail: "five"}); err != nil {
		t.Fatal(err)
	}
	all = exportAll(t, a)
	r = imp(all[n:])
	if !r.Rewound || r.Imported != 0 || head().Seq != uint64(n-2) {
		t.Fatalf("rewind: %+v, head %d", r, head().Seq)
	}
	r = imp(all[n-2:])
	if r.Imported != 3 || r.SetAside != 0 || head().Seq != uint64(len(all)) || head().Hash != AuditEntryHash(all[len(all)-1].Seq, all[len(all)-1].Stored) {
		t.Fatalf("after the rewind: %+v, head %d", r, head().Seq)
	}
	verify("real entries after the rewind")

	// Garbage the server keeps serving is set aside after one rewind, not
	// taken again and again.
	if err := a.Audit(AuditEvent{Action: "patient.view", Detail: "six"}); err != nil {
		t.Fatal(err)
	}
	if err := a.Audit(AuditEvent{Action: "patient.view", Detail: "seven"}); err != nil {
		t.Fatal(err)
	}
	all = exportAll(t, a)
	m := len(all)
	bad := AuditWire{Seq: all[m-2].Seq, Stored: bytes.Clone(all[m-2].Stored)}
	bad.Stored[len(bad.Stored)-1] ^= 1 // damaged on the server: its successor no longer follows it
	if r := imp([]AuditWire{bad, all[m-1]}); !r.Rewound || r.SetAside != 1 {
		t.Fatalf("damaged entry: %+v", r)
	}
	if r := imp([]AuditWire{bad, all[m-1]}); r.Rewound || r.SetAside != 1 || head().Seq != uint64(m) {
		t.Fatalf("the same again: %+v, head %d", r, head().Seq)
	}
	verify("a damaged entry and its successor set aside")
}
