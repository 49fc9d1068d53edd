package store

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// restoredCopy makes a second workstation of a's practice from a backup:
// a new device whose own audit chain starts as a copy of a's.
func restoredCopy(t *testing.T, a *Store) *Store {
	t.Helper()
	bk := filepath.Join(t.TempDir(), "b.ckbak")
	if _, err := a.BackupFile(bk); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "b")
	if err := Restore(bk, dir, RestoreOptions{SecretFrom: a.Dir()}); err != nil {
		t.Fatal(err)
	}
	b, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	if err := b.Unlock("admin", []byte(adminPass)); err != nil {
		t.Fatal(err)
	}
	return b
}

func exportAll(t *testing.T, s *Store) []AuditWire {
	t.Helper()
	var out []AuditWire
	err := s.View(func(tx *Tx) error {
		var err error
		out, err = tx.ExportAudit(1, 1<<20, 1<<30)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestImportAuditChecksEveryEntry(t *testing.T) {
	a, _ := newPractice(t)
	b := restoredCopy(t, a)
	for _, d := range []string{"first", "second", "third"} {
		if err := a.Audit(AuditEvent{Action: "patient.view", Detail: d}); err != nil {
			t.Fatal(err)
		}
	}
	all := exportAll(t, a)
	dev := a.DeviceID()
	imp := func(entries []AuditWire) error {
		return b.Update(func(tx *Tx) error { _, err := tx.ImportAudit(dev, "front desk", entries); return err })
	}
	head := func() uint64 {
		var h AuditHead
		b.View(func(tx *Tx) error { h, _ = tx.PeerAuditHead(dev); return nil })
		return h.Seq
	}

	// A gap, a changed byte, a wrong link and one's own device are refused,
	// and nothing of the batch is kept.
	if err := imp(all[1:]); !errors.Is(err, ErrTampered) || head() != 0 {
		t.Fatalf("gap: %v, head %d", err, head())
	}
	bad := append([]AuditWire(nil), all...)
	bad[2].Stored = bytes.Clone(bad[2].Stored)
	bad[2].Stored[len(bad[2].Stored)-1] ^= 1
	if err := imp(bad); !errors.Is(err, ErrTampered) || head() != 0 {
		t.Fatalf("changed entry: %v, head %d", err, head())
	}
	swapped := append([]AuditWire(nil), all...)
	swapped[1], swapped[2] = AuditWire{Seq: 2, Stored: all[2].Stored}, AuditWire{Seq: 3, Stored: all[1].Stored}
	if err := imp(swapped); !errors.Is(err, ErrTampered) || head() != 0 {
		t.Fatalf("reordered entries: %v, head %d", err, head())
	}
	if err := b.Update(func(tx *Tx) error { _, err := tx.ImportAudit(b.DeviceID(), "", all); return err }); err == nil {
		t.Fatal("imported a chain as this workstation's own device")
	}

	// In two batches it goes in; the own chain stays exactly as it was.
	var ownBefore AuditHead
	b.View(func(tx *Tx) error { ownBefore, _ = tx.OwnAuditHead(); return nil })
	if err := imp(all[:2]); err != nil {
		t.Fatal(err)
	}
	if err := imp(all[2:]); err != nil {
		t.Fatal(err)
	}
	if head() != uint64(len(all)) {
		t.Fatalf("imported head %d, want %d", head(), len(all))
	}
	var ownAfter AuditHead
	b.View(func(tx *Tx) error { ownAfter, _ = tx.OwnAuditHead(); return nil })
	if ownAfter != ownBefore {
		t.Fatal("importing changed this workstation's own chain")
	}

	// The listing merges both chains; the prefix b shares with a (it was
	// restored from a's backup) is listed once.
	count := map[string]int{}
	var names []string
	if err := b.AuditLogAll(func(ev AuditEvent) error {
		count[ev.Action+" "+ev.Detail]++
		if ev.Detail == "second" {
			names = append(names, ev.Workstation)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if count["practice.create "] != 1 || count["patient.view second"] != 1 {
		t.Fatalf("listing counts: %v", count)
	}
	if len(names) != 1 || names[0] != "front desk" {
		t.Fatalf("a's entry listed as %v", names)
	}
	rep, err := b.Verify()
	if err != nil || !rep.OK() {
		t.Fatalf("verify: %v %v", err, rep.Problems)
	}
	if rep.AuditEntries < int(ownAfter.Seq)+len(all) {
		t.Fatalf("verify counted %d audit entries", rep.AuditEntries)
	}
}

func TestAuditAlertIsFlagged(t *testing.T) {
	a, _ := newPractice(t)
	dev := NewID()
	if err := a.Update(func(tx *Tx) error {
		return tx.AuditAlert(dev, "room 2", "entry 4 differs from the one the server holds", a.now())
	}); err != nil {
		t.Fatal(err)
	}
	var got []AuditEvent
	a.AuditLogAll(func(ev AuditEvent) error {
		if ev.Action == "audit.sync.refused" {
			got = append(got, ev)
		}
		return nil
	})
	if len(got) != 1 || !got[0].Flagged || got[0].Subject != dev || !strings.Contains(got[0].Detail, "room 2") {
		t.Fatalf("alert: %+v", got)
	}
}

// BenchmarkAuditLogOwn reads a log of 20,000 entries; BenchmarkAuditLogAll
// reads it merged with a copy imported as another device's chain (40,000
// entries checked, the shared ones listed once).
func BenchmarkAuditLogOwn(b *testing.B) { benchAuditLog(b, false) }
func BenchmarkAuditLogAll(b *testing.B) { benchAuditLog(b, true) }

func benchAuditLog(b *testing.B, all bool) {
	st, _ := newPractice(b)
	const n = 20000
	for i := 0; i < n; i += 1000 {
		if err := st.Update(func(tx *Tx) error {
			for j := 0; j < 1000; j++ {
				if err := tx.Audit(AuditEvent{Action: "patient.view", Subject: NewID()}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	if all {
		var own []AuditWire
		st.View(func(tx *Tx) error { own, _ = tx.ExportAudit(1, 1<<30, 1<<40); return nil })
		if err := st.Update(func(tx *Tx) error { _, err := tx.ImportAudit(NewID(), "room", own); return err }); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		k := 0
		var err error
		if all {
			err = st.AuditLogAll(func(AuditEvent) error { k++; return nil })
		} else {
			err = st.AuditLog(1, func(AuditEvent) error { k++; return nil })
		}
		if err != nil || k < n {
			b.Fatal(err, k)
		}
	}
}
