package syncclient_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"chartkeeper/store"
	"chartkeeper/syncclient"
	"chartkeeper/syncproto"
	"chartkeeper/syncserver/boltbackend"
)

func serverRevs(t *testing.T, ts *testServer, practice string) []syncproto.Rev {
	t.Helper()
	res, err := ts.backend.Changes(context.Background(), practice, 0, 1<<30, 1<<40, "")
	if err != nil {
		t.Fatal(err)
	}
	return res.Revs
}

// sameRecords checks that every workstation holds the same revisions of
// every record, with the same winner.
func sameRecords(t *testing.T, ws ...*workstation) {
	t.Helper()
	dump := func(s *store.Store) string {
		var out bytes.Buffer
		var ids []string
		s.View(func(tx *store.Tx) error {
			chs, _ := tx.Changes(0, 1<<30)
			for _, c := range chs {
				if !slices.Contains(ids, c.RecordID) {
					ids = append(ids, c.RecordID)
				}
			}
			return nil
		})
		sort.Strings(ids)
		for _, id := range ids {
			r, err := s.Get(id)
			if err != nil {
				t.Fatalf("get %s: %v", id, err)
			}
			h, _ := s.History(id)
			var revs []string
			for _, x := range h {
				revs = append(revs, x.Rev)
			}
			fmt.Fprintf(&out, "%s winner=%s deleted=%v body=%q conflicts=%v history=%v\n", id, r.Rev, r.Deleted, r.Body, r.Conflicts, revs)
		}
		return out.String()
	}
	want := dump(ws[0].st)
	for _, w := range ws[1:] {
		if got := dump(w.st); got != want {
			t.Fatalf("replicas differ:\n%s\n---\n%s", want, got)
		}
	}
}

func TestEditsReachTheOtherWorkstation(t *testing.T) {
	ts := startServer(t)
	ws := newPractice(t, ts, 2)
	a, b := ws[0], ws[1]
	p := put(t, a.st, "patient", "", "", `{"family":"Okonkwo"}`)
	ra := a.sync(t)
	if ra.Pushed == 0 {
		t.Fatalf("A pushed nothing: %+v", ra)
	}
	rb := b.sync(t)
	if rb.Pulled != 1 {
		t.Fatalf("B pulled %+v, want the one new revision", rb)
	}
	if got := get(t, b.st, p.ID); string(got.Body) != `{"family":"Okonkwo"}` || got.Rev != p.Rev {
		t.Fatalf("B has %+v", got)
	}
	// And back: B edits, A receives.
	e := put(t, b.st, "patient", p.ID, p.Rev, `{"family":"Okonkwo-Ade"}`)
	syncAll(t, a, b)
	if got := get(t, a.st, p.ID); got.Rev != e.Rev || len(got.Conflicts) != 0 {
		t.Fatalf("A has %+v, want %s", got, e.Rev)
	}
	// A remote edit can be edited further with ordinary optimistic locking.
	put(t, a.st, "patient", p.ID, e.Rev, `{"family":"x"}`)
	syncAll(t, a, b)
	sameRecords(t, a, b)
	if s := a.c.Status(); s.State != syncclient.StateUpToDate || s.Pending != 0 || s.String() != "up to date" {
		t.Fatalf("status %+v", s)
	}
	// Nothing pulled goes back out: the feed marks it remote.
	if r := b.sync(t); r.Sent != 0 {
		t.Fatalf("B sent %d revisions again", r.Sent)
	}
	for _, w := range ws {
		rep, err := w.st.Verify()
		if err != nil || !rep.OK() {
			t.Fatalf("verify: %v %v", err, rep.Problems)
		}
	}
}

func TestConcurrentEditsConverge(t *testing.T) {
	ts := startServer(t)
	ws := newPractice(t, ts, 3)
	a, b, c := ws[0], ws[1], ws[2]
	p := put(t, a.st, "patient", "", "", "v1")
	gone := put(t, a.st, "patient", "", "", "to delete")
	syncAll(t, ws...)

	// Both edit the same record while apart.
	ea := put(t, a.st, "patient", p.ID, p.Rev, "edit on A")
	eb := put(t, b.st, "patient", p.ID, p.Rev, "edit on B")
	// A deletes what C modifies.
	if _, err := a.st.Delete(gone.ID, gone.Rev, "duplicate"); err != nil {
		t.Fatal(err)
	}
	mod := put(t, c.st, "patient", gone.ID, gone.Rev, "kept by C")
	syncAll(t, ws...)
	sameRecords(t, ws...)

	got := get(t, a.st, p.ID)
	if got.Rev != ea.Rev && got.Rev != eb.Rev {
		t.Fatalf("winner %s is neither edit", got.Rev)
	}
	if len(got.Conflicts) != 1 {
		t.Fatalf("conflicts %v, want the losing edit", got.Conflicts)
	}
	if h, _ := a.st.History(p.ID); len(h) != 3 {
		t.Fatalf("history has %d revisions, want 3 (none dropped)", len(h))
	}
	if g := get(t, b.st, gone.ID); g.Deleted || g.Rev != mod.Rev {
		t.Fatalf("deletion vs modification: %+v, want the modification", g)
	}
	// Resolving: a new revision on the winner, the loser stays in history.
	loser := got.Conflicts[0]
	fix := put(t, b.st, "patient", p.ID, get(t, b.st, p.ID).Rev, "merged by hand")
	if _, err := b.st.Delete(p.ID, loser, "resolved conflict"); err != nil {
		t.Fatal(err)
	}
	syncAll(t, ws...)
	sameRecords(t, ws...)
	if g := get(t, c.st, p.ID); g.Rev != fix.Rev || len(g.Conflicts) != 0 {
		t.Fatalf("after resolving: %+v", g)
	}
}

func TestPushReplayedChangesNothing(t *testing.T) {
	ts := startServer(t)
	var mu sync.Mutex
	var pushes []*http.Request
	var bodies [][]byte
	ts.wrap = func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/v1/push" {
				b, _ := io.ReadAll(r.Body)
				r.Body = io.NopCloser(bytes.NewReader(b))
				mu.Lock()
				pushes, bodies = append(pushes, r.Clone(context.Background())), append(bodies, b)
				mu.Unlock()
			}
			h.ServeHTTP(w, r)
		})
	}
	ts.restart()
	ws := newPractice(t, ts, 2)
	a, b := ws[0], ws[1]
	for i := range 20 {
		put(t, a.st, "patient", "", "", fmt.Sprint("p", i))
	}
	syncAll(t, a, b)
	before := serverRevs(t, ts, a.cfg.PracticeID)
	if len(pushes) == 0 {
		t.Fatal("no push seen")
	}
	// Replay every push twice, as a network might.
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: mustTLS(t, ts.fp)}}
	for range 2 {
		for i, r := range pushes {
			req, _ := http.NewRequest("POST", ts.url()+"/v1/push", bytes.NewReader(bodies[i]))
			req.Header = r.Header.Clone()
			resp, err := hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var pr syncproto.PushResponse
			json.NewDecoder(resp.Body).Decode(&pr)
			resp.Body.Close()
			if resp.StatusCode != 200 || pr.Inserted != 0 {
				t.Fatalf("replay: %d %+v", resp.StatusCode, pr)
			}
		}
	}
	after := serverRevs(t, ts, a.cfg.PracticeID)
	if len(after) != len(before) {
		t.Fatalf("server grew from %d to %d revisions on replay", len(before), len(after))
	}
	if r := b.sync(t); r.Received != 0 {
		t.Fatalf("B received %+v after replays", r)
	}
	sameRecords(t, a, b)
}

func mustTLS(t *testing.T, fp string) *tls.Config {
	t.Helper()
	c, err := syncclient.PinnedTLS(fp)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestPushCutOffIsResumed(t *testing.T) {
	ts := startServer(t)
	var n atomic.Int32
	ts.wrap = func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/v1/push" {
				h.ServeHTTP(w, r)
				return
			}
			switch n.Add(1) {
			case 3: // cut off while the body is on its way: nothing stored
				io.CopyN(io.Discard, r.Body, 100)
				panic(http.ErrAbortHandler)
			case 5: // stored, but the acknowledgement is lost
				h.ServeHTTP(httptest.NewRecorder(), r)
				panic(http.ErrAbortHandler)
			}
			h.ServeHTTP(w, r)
		})
	}
	ts.restart()
	ws := newPractice(t, ts, 2)
	a, b := ws[0], ws[1]
	a.c.BatchRevs = 10
	var ids []string
	for i := range 60 {
		ids = append(ids, put(t, a.st, "patient", "", "", fmt.Sprint("patient ", i)).ID)
	}
	var errs int
	for i := 0; ; i++ {
		_, err := a.c.RunOnce(context.Background())
		if err == nil {
			break
		}
		if !syncclient.Unreachable(err) {
			t.Fatalf("a cut-off should look like a network failure: %v", err)
		}
		if st := a.c.Status(); st.State != syncclient.StateOffline || st.Pending == 0 {
			t.Fatalf("status after a cut-off: %+v", st)
		}
		errs++
		if i > 10 {
			t.Fatal("push never completed")
		}
	}
	if errs != 2 {
		t.Fatalf("%d failed runs, want 2", errs)
	}
	b.sync(t)
	for _, id := range ids {
		get(t, b.st, id)
	}
	// Each revision is on the server once.
	seen := map[string]bool{}
	for _, r := range serverRevs(t, ts, a.cfg.PracticeID) {
		if seen[r.RecordID+r.Rev] {
			t.Fatalf("revision %s stored twice", r.Rev)
		}
		seen[r.RecordID+r.Rev] = true
	}
	sameRecords(t, a, b)
}

func TestServerRestartDuringBackgroundSync(t *testing.T) {
	ts := startServer(t)
	ws := newPractice(t, ts, 2)
	a, b := ws[0], ws[1]
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, w := range ws {
		w.c.LongPoll = 2 * time.Second
		wg.Add(1)
		go func() { defer wg.Done(); w.c.Run(ctx) }()
	}
	var ids []string
	for i := range 40 {
		ids = append(ids, put(t, a.st, "patient", "", "", fmt.Sprint("a", i)).ID)
		ids = append(ids, put(t, b.st, "visit", "", "", fmt.Sprint("b", i)).ID)
		if i == 20 {
			ts.stop()
			// While the server is down both keep working, and say so.
			waitFor(t, 10*time.Second, func() bool { return a.c.Status().State == syncclient.StateOffline })
			if s := a.c.Status(); s.OfflineSince.IsZero() || s.String()[:7] != "offline" {
				t.Fatalf("status %+v %q", s, s)
			}
			ts.start()
			a.c.SyncNow()
			b.c.SyncNow()
		}
	}
	waitFor(t, 30*time.Second, func() bool {
		for _, id := range ids {
			if _, err := a.st.Get(id); err != nil {
				return false
			}
			if _, err := b.st.Get(id); err != nil {
				return false
			}
		}
		return a.c.Status().State == syncclient.StateUpToDate && b.c.Status().State == syncclient.StateUpToDate
	})
	cancel()
	wg.Wait()
	sameRecords(t, a, b)
}

func waitFor(t *testing.T, d time.Duration, ok func() bool) {
	t.Helper()
	end := time.Now().Add(d)
	for !ok() {
		if time.Now().After(end) {
			t.Fatal("timed out waiting")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestEditReachesOnlineWorkstationQuickly(t *testing.T) {
	ts := startServer(t)
	ws := newPractice(t, ts, 2)
	a, b := ws[0], ws[1]
	syncAll(t, a, b)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, w := range ws {
		wg.Add(1)
		go func() { defer wg.Done(); w.c.Run(ctx) }()
	}
	time.Sleep(100 * time.Millisecond) // let the long-polls start
	var lat []time.Duration
	for i := range 30 {
		start := time.Now()
		r := put(t, a.st, "patient", "", "", fmt.Sprint("live ", i))
		for {
			if _, err := b.st.Get(r.ID); err == nil {
				break
			}
			if time.Since(start) > 5*time.Second {
				t.Fatal("edit did not arrive within 5 s")
			}
			select {
			case <-b.st.ChangeSignal():
			case <-time.After(5 * time.Millisecond):
			}
		}
		lat = append(lat, time.Since(start))
	}
	cancel()
	wg.Wait()
	slices.Sort(lat)
	// Timing is a benchmark's business; this only logs the figure.
	t.Logf("edit reaching the other workstation: median %v, max %v (n=%d)", lat[len(lat)/2], lat[len(lat)-1], len(lat))
}

func TestServerHoldsNothingReadable(t *testing.T) {
	ts := startServer(t)
	ws := newPractice(t, ts, 2)
	a, b := ws[0], ws[1]
	markers := []string{"MARKERxQuetzalcoatl", "Wojciechowska-MARKER", "MARKER-DIAGNOSIS-Z99"}
	for i, m := range markers {
		put(t, a.st, "patient", "", "", fmt.Sprintf(`{"family":%q,"note":"seen %d"}`, m, i))
	}
	put(t, b.st, "visit", "", "", `{"note":"MARKERxQuetzalcoatl complains of cough"}`)
	syncAll(t, a, b)
	ts.stop()
	raw, err := os.ReadFile(filepath.Join(ts.dir, boltbackend.FileName))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range append(markers, "Ada Admin", "Clinic", "patient", "visit", "MARKER") {
		if bytes.Contains(raw, []byte(m)) {
			t.Errorf("server file contains %q", m)
		}
	}
	if !bytes.Contains(raw, []byte(a.cfg.PracticeID)) {
		t.Error("sanity: the practice ID should be in the server file")
	}
}

func TestDevicesRefused(t *testing.T) {
	ts := startServer(t)
	ws := newPractice(t, ts, 2)
	a, b := ws[0], ws[1]
	ctx := context.Background()
	syncAll(t, a, b)

	// Unknown device, wrong token, no credential.
	bad := a.cfg
	bad.DeviceID = store.NewID()
	c, _ := syncclient.NewClient(a.st, bad)
	if _, err := c.RunOnce(ctx); !errors.Is(err, syncproto.ErrUnknownDevice) {
		t.Fatalf("unknown device: %v", err)
	}
	if s := c.Status(); s.State != syncclient.StateError {
		t.Fatalf("status %+v", s)
	}
	wrongTok, _ := http.NewRequest("GET", ts.url()+"/v1/changes", nil)
	if err := a.cfg.Authorize(wrongTok, nil); err != nil {
		t.Fatal(err)
	}
	wrongTok.Header.Set("Authorization", "Bearer "+syncproto.NewToken())
	if resp, err := (&http.Client{Transport: &http.Transport{TLSClientConfig: mustTLS(t, ts.fp)}}).Do(wrongTok); err != nil {
		t.Fatal(err)
	} else if resp.Body.Close(); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong token: %d", resp.StatusCode)
	}
	bad = a.cfg
	bad.PracticeID = store.NewID()
	if _, err := syncclient.Devices(ctx, bad); !errors.Is(err, syncproto.ErrUnknownDevice) {
		t.Fatalf("unknown practice: %v", err)
	}
	req, _ := http.NewRequest("GET", ts.url()+"/v1/changes", nil)
	resp, err := (&http.Client{Transport: &http.Transport{TLSClientConfig: mustTLS(t, ts.fp)}}).Do(req)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("no credential: %v %v", resp.StatusCode, err)
	}
	resp.Body.Close()

	// A second registration of the same practice is refused.
	if _, err := syncclient.Register(ctx, b.st, ts.url(), ts.fp, syncclient.RegisterOptions{}); err == nil {
		t.Fatal("registered twice")
	}

	// Revoke B.
	if err := syncclient.RevokeDevice(ctx, a.cfg, b.cfg.DeviceID); err != nil {
		t.Fatal(err)
	}
	put(t, b.st, "patient", "", "", "from a revoked device")
	if _, err := b.c.RunOnce(ctx); !errors.Is(err, syncproto.ErrDeviceRevoked) {
		t.Fatalf("revoked device: %v", err)
	}
	ds, err := syncclient.Devices(ctx, a.cfg)
	if err != nil || len(ds) != 2 {
		t.Fatalf("devices: %+v %v", ds, err)
	}
	for _, d := range ds {
		if (d.ID == b.cfg.DeviceID) == d.Revoked.IsZero() {
			t.Fatalf("device %+v", d)
		}
	}
	if r := a.sync(t); r.Received != 0 {
		t.Fatalf("A received %+v from a revoked device", r)
	}

	// A client pinned to another certificate does not talk at all.
	wrong := a.cfg
	wrong.Fingerprint = fmt.Sprintf("%064x", 1)
	c, _ = syncclient.NewClient(a.st, wrong)
	if _, err := c.RunOnce(ctx); !errors.Is(err, syncclient.ErrFingerprint) {
		t.Fatalf("wrong fingerprint: %v", err)
	}
}

// A revision the server changed, moved, rerouted or made up is refused on
// import: it is set aside, not applied, the rest of its batch is imported
// and the pull goes on past it.
func TestTamperedRevisionFromServerIsSetAside(t *testing.T) {
	ts := startServer(t)
	var mode atomic.Int32
	ts.wrap = func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			m := mode.Load()
			if r.URL.Path != "/v1/changes" || m == 0 {
				h.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			var cr syncproto.ChangesResponse
			json.Unmarshal(rec.Body.Bytes(), &cr)
			if len(cr.Revs) > 0 {
				last := &cr.Revs[len(cr.Revs)-1]
				switch m {
				case 1: // flip a bit of the sealed bytes
					last.Sealed[len(last.Sealed)/2] ^= 1
				case 2: // another record's sealed bytes under this record's ID
					last.Sealed = cr.Revs[0].Sealed
				case 3: // different routing: claim other parents
					last.Parents = nil
				case 4: // a revision the server made up
					cr.Revs = append(cr.Revs, syncproto.Rev{Seq: last.Seq, RecordID: store.NewID(), Rev: "1-" + fmt.Sprintf("%032x", 7), Sealed: bytes.Repeat([]byte{1}, 80)})
				}
			}
			json.NewEncoder(w).Encode(cr)
		})
	}
	ts.restart()
	ws := newPractice(t, ts, 2)
	a, b := ws[0], ws[1]
	for m := int32(1); m <= 4; m++ {
		other := put(t, a.st, "patient", "", "", fmt.Sprint("other ", m))
		p := put(t, a.st, "patient", "", "", fmt.Sprint("one ", m))
		p2 := put(t, a.st, "patient", p.ID, p.Rev, fmt.Sprint("one, edited ", m))
		a.sync(t)
		mode.Store(m)
		r, err := b.c.RunOnce(context.Background())
		if err != nil || r.SetAside != 1 {
			t.Fatalf("mode %d: %v, %d set aside", m, err, r.SetAside)
		}
		if s := b.c.Status(); s.State == syncclient.StateError {
			t.Fatalf("mode %d: status %+v", m, s)
		}
		if _, err := b.st.Get(other.ID); err != nil {
			t.Fatalf("mode %d: %v (%+v)", m, err, r)
		}
		if got := get(t, b.st, p.ID); m < 4 && got.Rev != p.Rev || m == 4 && got.Rev != p2.Rev {
			t.Fatalf("mode %d: B holds %s of the record", m, got.Rev)
		}
		items, err := b.st.SetAsideItems()
		if err != nil || len(items) != int(m) || items[0].Device != a.cfg.DeviceID && m < 4 || items[0].Reason == "" {
			t.Fatalf("mode %d: set aside %+v %v", m, items, err)
		}
	}
	mode.Store(0)
	p := put(t, a.st, "patient", "", "", "after")
	a.sync(t)
	b.sync(t)
	get(t, b.st, p.ID)
}
