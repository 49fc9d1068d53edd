package syncclient_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"chartkeeper/chart"
	"chartkeeper/internal/pgtest"
	"chartkeeper/store"
	"chartkeeper/syncclient"
	"chartkeeper/syncproto"
	"chartkeeper/syncserver/boltbackend"
)

// auditOf lists what an HIM manager sees on a workstation: every
// workstation's audit entries through the chart service.
func auditOf(t *testing.T, st *store.Store) []chart.AuditEntry {
	t.Helper()
	svc, err := chart.Open(st)
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	var out []chart.AuditEntry
	if err := svc.Audit("", func(e chart.AuditEntry) error { out = append(out, e); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

func streamOf(t *testing.T, ts *testServer, practice, device string) syncproto.AuditStream {
	t.Helper()
	sts, err := ts.backend.AuditStreams(context.Background(), practice)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sts {
		if s.Device == device {
			return s
		}
	}
	return syncproto.AuditStream{Device: device}
}

func TestAuditViewReachesHIMOnAnotherWorkstation(t *testing.T) {
	ts := startServer(t)
	ws := newPractice(t, ts, 2)
	a, b := ws[0], ws[1]
	svc, err := chart.Open(a.st)
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := svc.RegisterPatient(chart.Patient{Family: "Testperson", Given: "Audra", DOB: "1980-02-03", Sex: chart.Female})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Patient(p.ID); err != nil { // audited as patient.view
		t.Fatal(err)
	}
	svc.Close()

	ra := a.sync(t)
	if ra.AuditPushed == 0 {
		t.Fatalf("A pushed no audit entries: %+v", ra)
	}
	var head store.AuditHead
	a.st.View(func(tx *store.Tx) error { head, _ = tx.OwnAuditHead(); return nil })
	if s := streamOf(t, ts, a.cfg.PracticeID, a.cfg.DeviceID); s.Seq != head.Seq || !bytes.Equal(s.Hash, head.Hash[:]) {
		t.Fatalf("server holds A's stream up to %d, A's log ends at %d", s.Seq, head.Seq)
	}
	rb := b.sync(t)
	if rb.AuditPulled == 0 {
		t.Fatalf("B imported no audit entries: %+v", rb)
	}
	var seen *chart.AuditEntry
	entries := auditOf(t, b.st)
	for i, e := range entries {
		if e.Action == "patient.view" && e.Subject == p.ID {
			seen = &entries[i]
		}
		if i > 0 && e.Time.Before(entries[i-1].Time) {
			t.Errorf("audit listing is not in time order at %d", i)
		}
	}
	if seen == nil {
		t.Fatalf("B's HIM listing lacks A's patient.view")
	}
	if seen.Device != a.st.DeviceID() || seen.Workstation != "front desk" || seen.MRN == "" {
		t.Errorf("A's view shows as device %q workstation %q MRN %q", seen.Device, seen.Workstation, seen.MRN)
	}
	var own bool
	for _, e := range entries {
		own = own || e.Workstation == "this workstation" && e.Device == b.st.DeviceID()
	}
	if !own {
		t.Error("B's listing lacks its own entries")
	}
	// A sees B's entries the same way.
	a.sync(t)
	var fromB bool
	for _, e := range auditOf(t, a.st) {
		fromB = fromB || e.Device == b.st.DeviceID() && e.Workstation == "room 1"
	}
	if !fromB {
		t.Error("A's listing lacks B's entries")
	}
	for _, w := range []*workstation{a, b} {
		rep, err := w.st.Verify()
		if err != nil || !rep.OK() {
			t.Fatalf("verify: %v %v", err, rep.Problems)
		}
	}
}

// reopen closes a workstation's store, lets change alter its folder, and
// opens and unlocks it again with a new sync client.
func reopen(t *testing.T, w *workstation, change func(dir string)) {
	t.Helper()
	dir := w.st.Dir()
	w.c.Close()
	w.st.Close()
	if change != nil {
		change(dir)
	}
	st, err := chart.OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Unlock("admin", []byte(adminPass)); err != nil {
		t.Fatal(err)
	}
	c, err := syncclient.NewClient(st, w.cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	w.st, w.c = st, c
}

func TestAuditRolledBackWorkstationIsRefused(t *testing.T) {
	ts := startServer(t)
	ws := newPractice(t, ts, 2)
	a, b := ws[0], ws[1]
	syncAll(t, a, b)
	backup := filepath.Join(t.TempDir(), "old.db")
	if _, err := a.st.BackupFile(backup); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := a.st.Audit(store.AuditEvent{Action: "patient.view", Detail: "seen before the roll-back"}); err != nil {
			t.Fatal(err)
		}
	}
	a.sync(t)
	held := streamOf(t, ts, a.cfg.PracticeID, a.cfg.DeviceID)

	// Someone puts the old copy of A's store back (hiding the views) and
	// A goes on writing: the same sequence numbers, other entries.
	reopen(t, a, func(dir string) {
		data, err := os.ReadFile(backup)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "chartkeeper.db"), data, 0o600); err != nil {
			t.Fatal(err)
		}
	})
	for range 4 {
		if err := a.st.Audit(store.AuditEvent{Action: "patient.view", Detail: "after the roll-back"}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := a.c.RunOnce(context.Background())
	if !errors.Is(err, syncclient.ErrAuditRefused) {
		t.Fatalf("rolled-back A synced its audit log: %v", err)
	}
	st := a.c.Status()
	if st.State != syncclient.StateError || !strings.Contains(st.Err, "rolled back") {
		t.Fatalf("A's status: %v", st)
	}
	now := streamOf(t, ts, a.cfg.PracticeID, a.cfg.DeviceID)
	if now.Seq != held.Seq || !bytes.Equal(now.Hash, held.Hash) || now.Refused == nil {
		t.Fatalf("server's copy of A changed or no refusal kept: %+v (held %+v)", now, held)
	}

	// It stays refused: the server's copy is never replaced.
	if _, err := a.c.RunOnce(context.Background()); !errors.Is(err, syncclient.ErrAuditRefused) {
		t.Fatalf("rolled-back A synced its audit log the second time: %v", err)
	}

	// The HIM manager on B learns of it, once, flagged.
	b.sync(t)
	b.sync(t)
	n := 0
	for _, e := range auditOf(t, b.st) {
		if e.Action == "audit.sync.refused" {
			n++
			if !e.Flagged || e.Subject != a.cfg.DeviceID || !strings.Contains(e.Detail, "front desk") {
				t.Errorf("refusal entry: %+v", e)
			}
		}
	}
	if n != 1 {
		t.Fatalf("B recorded the refusal %d times, want once", n)
	}
}

func TestAuditTamperedOnServerIsSetAside(t *testing.T) {
	ts := startServer(t)
	ws := newPractice(t, ts, 2)
	a, b := ws[0], ws[1]
	var before store.AuditHead // what B imported of A's log when it joined
	b.st.View(func(tx *store.Tx) error { before, _ = tx.PeerAuditHead(a.cfg.DeviceID); return nil })
	for range 5 {
		if err := a.st.Audit(store.AuditEvent{Action: "patient.view"}); err != nil {
			t.Fatal(err)
		}
	}
	a.sync(t)
	held := streamOf(t, ts, a.cfg.PracticeID, a.cfg.DeviceID)
	if held.Seq < before.Seq+5 {
		t.Fatalf("server holds %d of A's entries", held.Seq)
	}
	// Change one byte of one of A's new entries inside the server's file.
	bad := before.Seq + 3
	ts.stop()
	db, err := bolt.Open(filepath.Join(ts.dir, boltbackend.FileName), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		eb := tx.Bucket([]byte("p")).Bucket([]byte(a.cfg.PracticeID)).Bucket([]byte("audit")).Bucket([]byte(a.cfg.DeviceID))
		k := binary.BigEndian.AppendUint64(nil, bad)
		v := bytes.Clone(eb.Get(k))
		v[len(v)-5] ^= 1
		return eb.Put(k, v)
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	ts.start()

	// B sets the tampered entry aside, and the next one, which does not
	// continue it; the stream goes on from there.
	r, err := b.c.RunOnce(context.Background())
	if err != nil || r.SetAside != 2 {
		t.Fatalf("B's sync: %v, %d set aside", err, r.SetAside)
	}
	if st := b.c.Status(); st.State == syncclient.StateError {
		t.Fatalf("B's status: %v", st)
	}
	b.st.View(func(tx *store.Tx) error {
		h, err := tx.PeerAuditHead(a.cfg.DeviceID)
		if err != nil || h.Seq != held.Seq {
			t.Errorf("B imported up to %d of the tampered stream, the server holds %d (%v)", h.Seq, held.Seq, err)
		}
		return nil
	})
	for _, e := range auditOf(t, b.st) {
		if e.Device == a.st.DeviceID() && (e.Seq == bad || e.Seq == bad+1) {
			t.Fatalf("B lists an entry of A's log that was set aside: %+v", e)
		}
	}
	items, err := b.st.SetAsideItems()
	if err != nil || len(items) != 2 {
		t.Fatalf("set aside: %+v %v", items, err)
	}
	for _, it := range items {
		if it.Kind != store.SetAsideAudit || it.Device != a.cfg.DeviceID || it.Seq != bad && it.Seq != bad+1 {
			t.Errorf("set aside %+v", it)
		}
	}
	if rep, err := b.st.Verify(); err != nil || !rep.OK() {
		t.Fatalf("B's store: %v %v", err, rep.Problems)
	}
	if r := b.sync(t); r.SetAside != 0 || r.AuditPulled != 0 {
		t.Fatalf("again: %+v", r)
	}
}

func TestAuditServerIsBlind(t *testing.T) {
	ts := startServer(t)
	ws := newPractice(t, ts, 2)
	a, b := ws[0], ws[1]
	const marker = "Zyxqv-Audit-Marker-Wolkenstein"
	for i := range 20 {
		if err := a.st.Audit(store.AuditEvent{Action: "patient.view", Username: "marker-user-" + marker, Detail: marker + " detail " + string(rune('a'+i))}); err != nil {
			t.Fatal(err)
		}
	}
	syncAll(t, a, b)
	if s := streamOf(t, ts, a.cfg.PracticeID, a.cfg.DeviceID); s.Seq < 20 {
		t.Fatalf("server holds %d of A's entries", s.Seq)
	}
	found := 0
	for _, e := range auditOf(t, b.st) {
		if strings.Contains(e.Detail, marker) {
			found++
		}
	}
	if found != 20 {
		t.Fatalf("B lists %d marked entries, want 20", found)
	}
	ts.stop()
	raw, err := os.ReadFile(filepath.Join(ts.dir, boltbackend.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte(marker)) || bytes.Contains(raw, []byte("patient.view")) {
		t.Fatal("the server's file holds audit details in the clear")
	}
	ts.start()
}

func TestAuditVerifyChecksImportedChains(t *testing.T) {
	ts := startServer(t)
	ws := newPractice(t, ts, 2)
	a, b := ws[0], ws[1]
	for range 4 {
		if err := a.st.Audit(store.AuditEvent{Action: "patient.view"}); err != nil {
			t.Fatal(err)
		}
	}
	syncAll(t, a, b)
	rep, err := b.st.Verify()
	if err != nil || !rep.OK() {
		t.Fatalf("verify with imported chains: %v %v", err, rep.Problems)
	}
	var orig []byte // B's store as synced; each case damages a fresh copy
	reopen(t, b, func(dir string) {
		if orig, err = os.ReadFile(filepath.Join(dir, "chartkeeper.db")); err != nil {
			t.Fatal(err)
		}
	})
	var own store.AuditHead
	b.st.View(func(tx *store.Tx) error { own, _ = tx.OwnAuditHead(); return nil })
	if rep.AuditEntries <= int(own.Seq) {
		t.Fatalf("verify counted %d audit entries, B's own log alone has %d", rep.AuditEntries, own.Seq)
	}
	for _, tc := range []struct {
		name string
		edit func(eb *bolt.Bucket) error
	}{
		{"changed entry", func(eb *bolt.Bucket) error {
			k := binary.BigEndian.AppendUint64(nil, 2)
			v := bytes.Clone(eb.Get(k))
			v[len(v)-3] ^= 1
			return eb.Put(k, v)
		}},
		{"cut-off tail", func(eb *bolt.Bucket) error {
			c := eb.Cursor()
			k, _ := c.Last()
			for k != nil && len(k) != 8 {
				k, _ = c.Prev()
			}
			return eb.Delete(k)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reopen(t, b, func(dir string) {
				path := filepath.Join(dir, "chartkeeper.db")
				if err := os.WriteFile(path, orig, 0o600); err != nil {
					t.Fatal(err)
				}
				db, err := bolt.Open(path, 0o600, nil)
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				err = db.Update(func(tx *bolt.Tx) error {
					return tc.edit(tx.Bucket([]byte("auditpeers")).Bucket([]byte(a.cfg.DeviceID)))
				})
				if err != nil {
					t.Fatal(err)
				}
			})
			rep, err := b.st.Verify()
			if err != nil {
				t.Fatal(err)
			}
			if rep.OK() || !strings.Contains(strings.Join(rep.Problems, " "), "audit log of workstation") {
				t.Fatalf("verify missed a %s: %v", tc.name, rep.Problems)
			}
			if err := b.st.AuditLogAll(func(store.AuditEvent) error { return nil }); !errors.Is(err, store.ErrTampered) {
				t.Fatalf("listing a damaged imported log: %v", err)
			}
		})
	}
}

func TestAuditReachesARunningWorkstation(t *testing.T) {
	ts := startServer(t)
	ws := newPractice(t, ts, 2)
	a, b := ws[0], ws[1]
	b.c.LongPoll = 100 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { b.c.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	if err := a.st.Audit(store.AuditEvent{Action: "patient.view", Detail: "while B runs"}); err != nil {
		t.Fatal(err)
	}
	a.sync(t)
	var want store.AuditHead
	a.st.View(func(tx *store.Tx) error { want, _ = tx.OwnAuditHead(); return nil })
	deadline := time.Now().Add(10 * time.Second)
	for {
		var h store.AuditHead
		b.st.View(func(tx *store.Tx) error { h, _ = tx.PeerAuditHead(a.cfg.DeviceID); return nil })
		if h == want {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("B's background sync imported A's log up to %d, A's ends at %d", h.Seq, want.Seq)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestAuditOnPostgreSQL runs the audit tests that do not open the bbolt
// file themselves on the PostgreSQL backend.
func TestAuditOnPostgreSQL(t *testing.T) {
	usePostgres(t, pgtest.StartForTest(t, pgtest.Options{}))
	for _, tc := range []struct {
		name string
		f    func(*testing.T)
	}{
		{"ViewReachesHIMOnAnotherWorkstation", TestAuditViewReachesHIMOnAnotherWorkstation},
		{"RolledBackWorkstationIsRefused", TestAuditRolledBackWorkstationIsRefused},
		{"VerifyChecksImportedChains", TestAuditVerifyChecksImportedChains},
		{"ReachesARunningWorkstation", TestAuditReachesARunningWorkstation},
	} {
		t.Run(tc.name, tc.f)
	}
}

// An audit push answers the other workstations' long-polls: B, waiting on
// a long-poll of a minute, has A's new entry within seconds.
func TestAuditPushWakesLongPoll(t *testing.T) {
	ts := startServer(t)
	ws := newPractice(t, ts, 2)
	a, b := ws[0], ws[1]
	a.sync(t)
	b.c.LongPoll = time.Minute
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { b.c.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	waitFor(t, 10*time.Second, func() bool { return b.c.Status().State == syncclient.StateUpToDate })
	time.Sleep(300 * time.Millisecond) // B is in its long-poll now
	if err := a.st.Audit(store.AuditEvent{Action: "patient.view", Detail: "while B waits"}); err != nil {
		t.Fatal(err)
	}
	if r := a.sync(t); r.AuditPushed == 0 || r.Pushed != 0 {
		t.Fatalf("A's sync: %+v, want audit entries and no revisions", r)
	}
	var want store.AuditHead
	a.st.View(func(tx *store.Tx) error { want, _ = tx.OwnAuditHead(); return nil })
	waitFor(t, 5*time.Second, func() bool {
		var h store.AuditHead
		b.st.View(func(tx *store.Tx) error { h, _ = tx.PeerAuditHead(a.cfg.DeviceID); return nil })
		return h == want
	})
}
