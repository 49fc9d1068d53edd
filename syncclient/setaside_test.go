package syncclient_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"chartkeeper/chart"
	"chartkeeper/store"
	"chartkeeper/syncclient"
	"chartkeeper/syncproto"
)

// stolenPush is what a thief does with a device's token from its sync.json
// (and no data key): push garbage, a revision, an audit entry and a
// document, the way the workstation program would, over HTTPS.
type stolenPush struct {
	t   *testing.T
	ts  *testServer
	cfg syncclient.Config
}

func (s stolenPush) call(method, path string, body any) string {
	s.t.Helper()
	var b []byte
	switch v := body.(type) {
	case nil:
	case []byte:
		b = v
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			s.t.Fatal(err)
		}
	}
	code, resp := blobRequest(s.t, s.ts, s.cfg, method, path, b)
	if code != http.StatusOK {
		s.t.Fatalf("%s %s: %d %s", method, path, code, resp)
	}
	return resp
}

func garbage(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*31) ^ seed
	}
	return b
}

// revisions pushes a garbage first revision of a new record and a garbage
// child of an existing record's revision.
func (s stolenPush) revisions(parentID, parentRev string) {
	fake := func(gen int) string { return fmt.Sprintf("%d-%032x", gen, time.Now().UnixNano()+int64(gen)) }
	s.call("POST", "/v1/push", syncproto.PushRequest{Revs: []syncproto.Rev{
		{RecordID: store.NewID(), Rev: fake(1), Sealed: garbage(200, 1)},
		{RecordID: parentID, Rev: fake(2), Parents: []string{parentRev}, Sealed: garbage(300, 2)},
	}})
}

// auditEntry appends a garbage entry to the device's audit stream on the
// server, linked to its last entry as the server checks (the link is a
// hash of bytes the server holds: no key needed).
func (s stolenPush) auditEntry() uint64 {
	var streams []syncproto.AuditStream
	if err := json.Unmarshal([]byte(s.call("GET", "/v1/audit/streams", nil)), &streams); err != nil {
		s.t.Fatal(err)
	}
	var last syncproto.AuditStream
	for _, st := range streams {
		if st.Device == s.cfg.DeviceID {
			last = st
		}
	}
	link := make([]byte, store.AuditHashSize)
	copy(link, last.Hash)
	e := store.AuditWire{Seq: last.Seq + 1, Stored: append(link, garbage(120, 3)...)}
	s.call("POST", "/v1/audit/push", syncproto.AuditPushRequest{Head: e.Seq, Entries: []store.AuditWire{e}})
	return e.Seq
}

// document uploads and commits a one-chunk document of garbage.
func (s stolenPush) document() string {
	id := store.NewID()
	const size = 5000
	s.call("POST", "/v1/blobs/"+id+"/begin", syncproto.BlobBeginRequest{Size: size, Chunks: 1})
	s.call("PUT", "/v1/blobs/"+id+"/chunks/0", garbage(syncproto.BlobChunkSealedSize(size, 0), 4))
	s.call("PUT", "/v1/blobs/"+id+"/header", garbage(100, 5))
	return id
}

// A thief holding workstation C's device token pushes a garbage revision
// (and a garbage child of a real record), a garbage audit entry and a
// garbage document. The other workstations set each aside, keep syncing
// every good item (a later real revision of the same record included),
// can still add a workstation, and list what was set aside with the device
// that sent it.
func TestStolenTokenGarbageIsSetAside(t *testing.T) {
	ts := startServer(t)
	ws := newPractice(t, ts, 3)
	a, b, c := ws[0], ws[1], ws[2]
	p := put(t, a.st, "note", "", "", "Zoë Testperson")
	a.sync(t)
	b.sync(t)

	thief := stolenPush{t: t, ts: ts, cfg: c.cfg}
	thief.revisions(p.ID, p.Rev)
	badSeq := thief.auditEntry()
	badDoc := thief.document()

	// A carries on: an edit of the same record, a new one, a document and
	// audit entries.
	p2 := put(t, a.st, "note", p.ID, p.Rev, "Zoë Testperson, edited")
	q := put(t, a.st, "note", "", "", "Øyvind Exampleson")
	content := docContent(1<<20+77, 9)
	d := fileDocument(t, a, content)
	if err := a.st.Audit(store.AuditEvent{Action: "patient.view"}); err != nil {
		t.Fatal(err)
	}
	a.sync(t)

	for range 2 { // and again: what was set aside stays aside, once
		r, err := b.c.RunOnce(context.Background())
		if err != nil {
			t.Fatalf("B's sync stopped at the garbage: %v", err)
		}
		if st := b.c.Status(); st.State == syncclient.StateError || !strings.HasSuffix(st.String(), "(4 items from the server failed their checks and were set aside: see Administration → Sync)") {
			t.Fatalf("B's status: %v", st)
		}
		_ = r
	}
	// (Checked before a chart service, whose finder writes its cache in
	// the background, opens on B.)
	rep, err := b.st.Verify()
	if err != nil || !rep.OK() {
		t.Fatalf("B's store after setting items aside: %v %+v", err, rep)
	}
	if got := get(t, b.st, p.ID); got.Rev != p2.Rev || string(got.Body) != "Zoë Testperson, edited" {
		t.Fatalf("B holds %s %q of the record the thief pushed a child of, want %s", got.Rev, got.Body, p2.Rev)
	}
	get(t, b.st, q.ID)
	if got := readDocument(t, b, d.ID); !bytes.Equal(got, content) {
		t.Fatal("B's copy of A's document differs")
	}
	if ok, _ := b.st.HasBlob(badDoc); ok {
		t.Fatal("B keeps the garbage document")
	}
	var ah store.AuditHead
	b.st.View(func(tx *store.Tx) error { ah, _ = tx.PeerAuditHead(a.cfg.DeviceID); return nil })
	if held := streamOf(t, ts, a.cfg.PracticeID, a.cfg.DeviceID); ah.Seq != held.Seq {
		t.Fatalf("B imported A's audit log up to %d, the server holds %d", ah.Seq, held.Seq)
	}

	// B lists what it set aside, each with the device that sent it.
	items, err := b.st.SetAsideItems()
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, it := range items {
		kinds[it.Kind]++
		if it.Device != c.cfg.DeviceID {
			t.Errorf("%s set aside as sent by %q, want C %s", it.Kind, it.Device, c.cfg.DeviceID)
		}
		if it.Reason == "" || len(it.Bytes) == 0 || it.At.IsZero() {
			t.Errorf("%s set aside without its reason, bytes or time: %+v", it.Kind, it)
		}
		if it.Kind == store.SetAsideAudit && it.Seq != badSeq {
			t.Errorf("audit entry %d set aside, want %d", it.Seq, badSeq)
		}
	}
	if kinds[store.SetAsideRevision] != 2 || kinds[store.SetAsideAudit] != 1 || kinds[store.SetAsideChunk]+kinds[store.SetAsideHeader] != 1 {
		t.Fatalf("B set aside %v", kinds)
	}

	// An HIM manager on B sees them in plain words, with C's name.
	svc, err := chart.Open(b.st)
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	listed, err := svc.SetAsideItems()
	if err != nil || len(listed) != len(items) {
		t.Fatalf("the service lists %d of %d: %v", len(listed), len(items), err)
	}
	for _, it := range listed {
		if it.Workstation != "room 2" || it.Device != c.cfg.DeviceID || it.Kind == "" || !strings.HasSuffix(it.Reason, ".") || strings.ContainsAny(it.Reason[:1], "abcdefghijklmnopqrstuvwxyz") {
			t.Errorf("listed %+v", it)
		}
	}

	// B can still add a workstation, which joins past the garbage too.
	code, _, err := syncclient.IssueEnrollment(context.Background(), b.st, b.cfg, time.Hour)
	if err != nil {
		t.Fatalf("issuing an enrollment on B: %v", err)
	}
	s, _, _, err := syncclient.Join(context.Background(), code, filepath.Join(t.TempDir(), "d"), syncclient.JoinOptions{DeviceName: "room 9"})
	if err != nil {
		t.Fatalf("joining past the garbage: %v", err)
	}
	defer s.Close()
	s.Lock()
	if err := s.Unlock("admin", []byte(adminPass)); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Get(p.ID); err != nil || got.Rev != p2.Rev {
		t.Fatalf("the new workstation holds %v %v", got.Rev, err)
	}
	if items, _ := s.SetAsideItems(); len(items) < 3 {
		t.Fatalf("the new workstation set aside %d items", len(items))
	}
	for _, it := range items {
		if strings.Contains(it.Reason, "%") {
			t.Errorf("reason %q", it.Reason)
		}
	}
}
