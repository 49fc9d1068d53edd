package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"chartkeeper/chart"
	"chartkeeper/internal/testpractice"
	"chartkeeper/store"
	"chartkeeper/syncclient"
	"chartkeeper/syncproto"
	"chartkeeper/syncserver"
)

// thiefCall sends a request with a device's credential, as a thief with
// that device's sync.json would.
func thiefCall(t *testing.T, cfg syncclient.Config, method, path string, body any) string {
	t.Helper()
	var b []byte
	switch v := body.(type) {
	case nil:
	case []byte:
		b = v
	default:
		b, _ = json.Marshal(v)
	}
	tc, err := syncclient.PinnedTLS(cfg.Fingerprint)
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: tc}, Timeout: 10 * time.Second}
	defer hc.CloseIdleConnections()
	req, _ := http.NewRequest(method, cfg.Server+path, bytes.NewReader(b))
	// The thief holds the device's token and signing key (a workstation
	// taken while signed in, or a modified program run there).
	if err := cfg.Authorize(req, b); err != nil {
		t.Fatal(err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, out)
	}
	return string(out)
}

// A thief with workstation C's device token pushes a garbage revision, a
// garbage audit entry and a garbage document. B sets them aside and names
// C. The operator lists C's items with chartkeeperd items, removes the
// garbage, and everyone syncs on: B's checkpoints past the removed items
// hold (no "server lost changes"), and C, whose audit log the garbage had
// made the server refuse, pushes it again and B takes C's real entries.
func TestItemsListAndRemove(t *testing.T) {
	ctx := context.Background()
	data, addr, url, fp, stop := startOpen(t)

	const pass = "correct horse battery"
	a := testpractice.New(t, testpractice.Config{Dir: filepath.Join(t.TempDir(), "a"), Name: "Clinic", AdminName: "Ada Admin", Password: pass}).Store
	cfgA, err := syncclient.Register(ctx, a, url, fp, syncclient.RegisterOptions{DeviceName: "front desk"})
	if err != nil {
		t.Fatal(err)
	}
	clients := map[*store.Store]*syncclient.Client{}
	syncOf := func(s *store.Store, cfg syncclient.Config) syncclient.Result {
		t.Helper()
		c := clients[s]
		if c == nil {
			if c, err = syncclient.NewClient(s, cfg); err != nil {
				t.Fatal(err)
			}
			clients[s] = c
			t.Cleanup(c.Close)
		}
		r, err := c.RunOnce(ctx)
		if err != nil {
			t.Fatalf("sync: %v", err)
		}
		if w := c.Status().Warning; strings.Contains(w, "lost changes") {
			t.Fatalf("warning: %s", w)
		}
		return r
	}
	syncOf(a, cfgA)
	join := func(name string) (*store.Store, syncclient.Config) {
		code, _, err := syncclient.IssueEnrollment(ctx, a, cfgA, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		s, cfg, _, err := syncclient.Join(ctx, code, filepath.Join(t.TempDir(), name), syncclient.JoinOptions{DeviceName: name, StoreOptions: chart.StoreOptions()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		s.Lock()
		if err := s.Unlock("admin", []byte(pass)); err != nil {
			t.Fatal(err)
		}
		return s, cfg
	}
	b, cfgB := join("room 1")
	c, cfgC := join("room 2")
	note, err := a.Put("note", "", "", []byte("Zoë's note"))
	if err != nil {
		t.Fatal(err)
	}
	syncOf(a, cfgA)
	syncOf(c, cfgC)
	syncOf(b, cfgB)

	// The thief's garbage, with C's token.
	g := syncproto.Rev{RecordID: store.NewID(), Rev: fmt.Sprintf("1-%032x", 99), Sealed: bytes.Repeat([]byte{7}, 200)}
	thiefCall(t, cfgC, "POST", "/v1/push", syncproto.PushRequest{Revs: []syncproto.Rev{g}})
	var streams []syncproto.AuditStream
	json.Unmarshal([]byte(thiefCall(t, cfgC, "GET", "/v1/audit/streams", nil)), &streams)
	var sc syncproto.AuditStream
	for _, s := range streams {
		if s.Device == cfgC.DeviceID {
			sc = s
		}
	}
	link := make([]byte, store.AuditHashSize)
	copy(link, sc.Hash)
	thiefCall(t, cfgC, "POST", "/v1/audit/push", syncproto.AuditPushRequest{Head: sc.Seq + 1, Entries: []store.AuditWire{{Seq: sc.Seq + 1, Stored: append(link, bytes.Repeat([]byte{8}, 100)...)}}})
	doc := store.NewID()
	thiefCall(t, cfgC, "POST", "/v1/blobs/"+doc+"/begin", syncproto.BlobBeginRequest{Size: 3000, Chunks: 1})
	thiefCall(t, cfgC, "PUT", "/v1/blobs/"+doc+"/chunks/0", bytes.Repeat([]byte{9}, syncproto.BlobChunkSealedSize(3000, 0)))
	thiefCall(t, cfgC, "PUT", "/v1/blobs/"+doc+"/header", bytes.Repeat([]byte{10}, 90))

	if r := syncOf(b, cfgB); r.SetAside != 3 {
		t.Fatalf("B set aside %d items", r.SetAside)
	}
	aside, _ := b.SetAsideItems()
	for _, it := range aside {
		if it.Device != cfgC.DeviceID {
			t.Fatalf("set aside as from %s: %+v", it.Device, it)
		}
	}
	// C's own audit log no longer continues the server's copy.
	if err := c.Audit(store.AuditEvent{Action: "patient.view"}); err != nil {
		t.Fatal(err)
	}
	cc, _ := syncclient.NewClient(c, cfgC)
	if _, err := cc.RunOnce(ctx); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("C's sync with the garbage in its audit stream: %v", err)
	}
	cc.Close()

	// The server holds its file: stop it first.
	if got, code := operator("items", "list", "--data", data, "--practice", cfgA.PracticeID); code != exitFailed || !strings.Contains(got, "stop chartkeeperd first") {
		t.Fatalf("list while the server runs: %d %s", code, got)
	}
	if code := stop(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	got, code := operator("items", "list", "--data", data, "--practice", cfgA.PracticeID, "--device", cfgC.DeviceID)
	if code != exitOK || !strings.Contains(got, g.RecordID) || !strings.Contains(got, doc) || !strings.Contains(got, fmt.Sprintf("audit     %s  %d", cfgC.DeviceID, sc.Seq+1)) || strings.Contains(got, cfgA.DeviceID) {
		t.Fatalf("list of C's items: %d\n%s", code, got)
	}
	var listed []syncserver.Item
	got, _ = operator("items", "list", "--data", data, "--practice", cfgA.PracticeID, "--device", cfgC.DeviceID, "--kind", "revision", "--json")
	for _, line := range strings.Split(strings.TrimSpace(got), "\n") {
		var it syncserver.Item
		if err := json.Unmarshal([]byte(line), &it); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		listed = append(listed, it)
	}
	if len(listed) != 1 || listed[0].ID != g.RecordID || listed[0].Rev != g.Rev {
		t.Fatalf("C's revisions: %+v", listed)
	}
	if got, code := operator("items", "remove", "--data", data, "--practice", cfgA.PracticeID, "--device", cfgC.DeviceID); code != exitUsage {
		t.Fatalf("remove without saying what: %d %s", code, got)
	}
	for _, args := range [][]string{
		{"--kind", "revision", "--seq", fmt.Sprint(listed[0].Seq)},
		{"--kind", "document", "--id", doc},
		{"--kind", "audit", "--seq", fmt.Sprint(sc.Seq + 1)},
	} {
		got, code := operator("items", append([]string{"remove", "--data", data, "--practice", cfgA.PracticeID, "--device", cfgC.DeviceID}, args...)...)
		if code != exitOK || !strings.Contains(got, "removed 1 items") {
			t.Fatalf("remove %v: %d %s", args, code, got)
		}
	}
	got, _ = operator("items", "list", "--data", data, "--practice", cfgA.PracticeID)
	if strings.Contains(got, g.RecordID) || strings.Contains(got, doc) || strings.Contains(got, fmt.Sprintf("%s  %d ", cfgC.DeviceID, sc.Seq+1)) || !strings.Contains(got, note.ID) {
		t.Fatalf("after removal:\n%s", got)
	}

	// Back on the same address: everyone syncs on.
	_, _, _, stop = start(t, "--data", data, "--listen", addr, "--open-registration", "--quiet")
	defer stop()
	syncOf(c, cfgC) // C's audit log is taken now
	edit, err := a.Put("note", note.ID, note.Rev, []byte("Zoë's note, edited"))
	if err != nil {
		t.Fatal(err)
	}
	syncOf(a, cfgA)
	if r := syncOf(b, cfgB); r.SetAside != 0 {
		t.Fatalf("B set aside %d more", r.SetAside)
	}
	if got, err := b.Get(note.ID); err != nil || got.Rev != edit.Rev {
		t.Fatalf("B holds %v %v", got.Rev, err)
	}
	var hb, hc store.AuditHead
	b.View(func(tx *store.Tx) error { hb, _ = tx.PeerAuditHead(cfgC.DeviceID); return nil })
	c.View(func(tx *store.Tx) error { hc, _ = tx.OwnAuditHead(); return nil })
	if hb != hc {
		t.Fatalf("B holds C's audit log to %d, C's ends at %d", hb.Seq, hc.Seq)
	}
	if rep, err := b.Verify(); err != nil || !rep.OK() {
		t.Fatalf("B's store: %v %v", err, rep.Problems)
	}
}
