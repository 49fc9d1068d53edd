package syncclient_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"chartkeeper/store"
	"chartkeeper/syncclient"
	"chartkeeper/syncserver/boltbackend"
)

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// A server put back from an older copy of server.db loses what was pushed
// after the copy; the workstations notice and offer it again, so that in
// the end the server and every workstation hold every revision, document
// and audit entry, and a workstation joined afterwards gets them all.
func TestServerRestoredFromOldCopyLosesNothing(t *testing.T) {
	ts := startServer(t)
	ws := newPractice(t, ts, 2)
	a, b := ws[0], ws[1]
	ctx := context.Background()

	early := put(t, a.st, "note", "", "", "Early note of Pat Example")
	put(t, b.st, "note", "", "", "Early note from room 1")
	docA1 := fileDocument(t, a, docContent(300<<10, 1))
	syncAll(t, a, b)

	// The operator's backup.
	ts.stop()
	backup := filepath.Join(t.TempDir(), "server.db.bak")
	copyFile(t, filepath.Join(ts.dir, boltbackend.FileName), backup)
	ts.start()

	edited := put(t, a.st, "note", early.ID, early.Rev, "Early note, corrected")
	put(t, a.st, "note", "", "", "Later note from the front desk")
	put(t, b.st, "note", "", "", "Later note from room 1")
	docA2 := fileDocument(t, a, docContent(200<<10, 2))
	docB := fileDocument(t, b, docContent(100<<10, 3))
	syncAll(t, a, b)
	pushedBefore := len(serverRevs(t, ts, a.st.PracticeID()))

	// The server is put back from the backup.
	ts.stop()
	copyFile(t, backup, filepath.Join(ts.dir, boltbackend.FileName))
	ts.start()
	if n := len(serverRevs(t, ts, a.st.PracticeID())); n >= pushedBefore {
		t.Fatalf("the restored server holds %d revisions, want fewer than %d", n, pushedBefore)
	}

	// An edit of a revision the server lost: its push is refused for the
	// missing parent, and the workstation recovers from that too.
	put(t, a.st, "note", edited.ID, edited.Rev, "Early note, corrected twice")
	syncAll(t, a, b)
	syncAll(t, a, b)
	for _, w := range ws {
		st := w.c.Status()
		if st.State != syncclient.StateUpToDate || st.Warning == "" || !strings.Contains(st.String(), "lost changes") {
			t.Fatalf("status after the restore: %+v (%s)", st, st)
		}
		if strings.Contains(st.String(), "Pat") {
			t.Fatalf("status names patient data: %s", st)
		}
	}
	sameRecords(t, a, b)

	// Every revision is on the server again.
	var want []string
	a.st.View(func(tx *store.Tx) error {
		chs, _ := tx.Changes(0, 1<<30)
		for _, c := range chs {
			want = append(want, c.RecordID+"/"+c.Rev)
		}
		return nil
	})
	have := map[string]bool{}
	for _, r := range serverRevs(t, ts, a.st.PracticeID()) {
		have[r.RecordID+"/"+r.Rev] = true
	}
	for _, k := range want {
		if !have[k] {
			t.Fatalf("the server lacks revision %s after recovery", k)
		}
	}
	// Every document on both workstations, and on the server.
	for i, d := range []struct {
		id   string
		size int
		seed uint64
	}{{docA1.Blob, 300 << 10, 1}, {docA2.Blob, 200 << 10, 2}, {docB.Blob, 100 << 10, 3}} {
		for _, w := range ws {
			ok, err := w.st.HasBlob(d.id)
			if err != nil || !ok {
				t.Fatalf("document %d missing on %s: %v", i, w.st.DeviceID()[:8], err)
			}
		}
		if _, _, err := ts.backend.BlobHeader(ctx, a.st.PracticeID(), d.id); err != nil {
			t.Fatalf("document %d not on the server: %v", i, err)
		}
	}
	// Every audit entry on the server.
	for _, w := range ws {
		var head store.AuditHead
		w.st.View(func(tx *store.Tx) error { var err error; head, err = tx.OwnAuditHead(); return err })
		if s := streamOf(t, ts, a.st.PracticeID(), w.st.DeviceID()); s.Seq < head.Seq || s.Refused != nil {
			t.Fatalf("server's audit stream of %s: %d entries (refused %v), the workstation has %d", w.st.DeviceID()[:8], s.Seq, s.Refused, head.Seq)
		}
	}

	// A workstation joined now gets everything.
	code, _, err := syncclient.IssueEnrollment(ctx, a.st, a.cfg, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	st, cfg, err := join(t, code)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Unlock("admin", []byte(adminPass)); err != nil {
		t.Fatal(err)
	}
	cc, err := syncclient.NewClient(st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cc.Close)
	c := &workstation{st: st, cfg: cfg, c: cc}
	syncAll(t, c)
	sameRecords(t, a, c)
	if got := readDocument(t, c, docB.ID); !bytes.Equal(got, docContent(100<<10, 3)) {
		t.Fatal("the joined workstation's copy of a document differs")
	}
}

// A server whose storage ID changed (its storage replaced by a copy made
// another way) is a new server to the workstations: they switch to the
// new ID, rewrite sync.json, and offer and pull everything again.
func TestServerWithNewIDGetsEverythingAgain(t *testing.T) {
	ts := startServer(t)
	ws := newPractice(t, ts, 2)
	a, b := ws[0], ws[1]
	put(t, a.st, "note", "", "", "Note before the move")
	syncAll(t, a, b)
	ts.stop()
	db, err := bolt.Open(filepath.Join(ts.dir, boltbackend.FileName), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	const newID = "00112233445566778899aabbccddeeff"
	if err := db.Update(func(tx *bolt.Tx) error { return tx.Bucket([]byte("server")).Put([]byte("id"), []byte(newID)) }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	ts.start()
	put(t, b.st, "note", "", "", "Note after the move")
	syncAll(t, a, b)
	for _, w := range ws {
		cfg, err := syncclient.LoadConfig(w.st.Dir())
		if err != nil || cfg.ServerID != newID || w.c.ServerID() != newID {
			t.Fatalf("sync.json names server %q (%v), the client %q", cfg.ServerID, err, w.c.ServerID())
		}
		if st := w.c.Status(); st.State != syncclient.StateUpToDate || !strings.Contains(st.Warning, "new one") {
			t.Fatalf("status: %+v", st)
		}
	}
	sameRecords(t, a, b)
}

// The same restore while the workstations sync in the background: their
// long-polls notice it and they offer everything again on their own.
func TestServerRestoredWhileRunning(t *testing.T) {
	ts := startServer(t)
	ws := newPractice(t, ts, 2)
	a, b := ws[0], ws[1]
	put(t, a.st, "note", "", "", "Before the backup")
	syncAll(t, a, b)
	ts.stop()
	backup := filepath.Join(t.TempDir(), "server.db.bak")
	copyFile(t, filepath.Join(ts.dir, boltbackend.FileName), backup)
	ts.start()
	put(t, a.st, "note", "", "", "After the backup, front desk")
	put(t, b.st, "note", "", "", "After the backup, room 1")
	syncAll(t, a, b)
	ts.stop()
	copyFile(t, backup, filepath.Join(ts.dir, boltbackend.FileName))
	ts.start()

	ctx, cancel := context.WithCancel(context.Background())
	var done []chan struct{}
	for _, w := range ws {
		w.c.LongPoll = 200 * time.Millisecond
		d := make(chan struct{})
		done = append(done, d)
		go func() { w.c.Run(ctx); close(d) }()
	}
	defer func() {
		cancel()
		for _, d := range done {
			<-d
		}
	}()
	want := map[string]bool{}
	for _, w := range ws {
		w.st.View(func(tx *store.Tx) error {
			chs, _ := tx.Changes(0, 1<<30)
			for _, c := range chs {
				want[c.RecordID+"/"+c.Rev] = true
			}
			return nil
		})
	}
	waitFor(t, 20*time.Second, func() bool {
		have := map[string]bool{}
		for _, r := range serverRevs(t, ts, a.st.PracticeID()) {
			have[r.RecordID+"/"+r.Rev] = true
		}
		for k := range want {
			if !have[k] {
				return false
			}
		}
		return a.c.Status().Warning != "" && b.c.Status().Warning != ""
	})
	cancel()
	for _, d := range done {
		<-d
	}
	done = nil
	syncAll(t, a, b)
	sameRecords(t, a, b)
}
