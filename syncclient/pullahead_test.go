package syncclient_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"chartkeeper/store"
	"chartkeeper/syncproto"
)

// A backlog pulled in many small batches, fetched ahead and written
// several to a transaction: everything arrives, and a tampered revision
// in a later batch stops the pull with the checkpoint at the end of what
// was imported, nothing after it stored; the next sync resumes from there.
func TestPullAheadBacklog(t *testing.T) {
	ts := startServer(t)
	var tamperAfter atomic.Uint64 // 0: serve as is
	var seqs sync.Map             // revision -> server sequence, as served
	ts.wrap = func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/v1/changes" {
				h.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			var cr syncproto.ChangesResponse
			if err := json.Unmarshal(rec.Body.Bytes(), &cr); err != nil {
				t.Errorf("changes: %v", err)
			}
			for i := range cr.Revs {
				rv := &cr.Revs[i]
				seqs.Store(rv.Rev, rv.Seq)
				if n := tamperAfter.Load(); n != 0 && rv.Seq > n && i == len(cr.Revs)-1 {
					rv.Sealed[len(rv.Sealed)/2] ^= 1
				}
			}
			json.NewEncoder(w).Encode(cr)
		})
	}
	ts.restart()
	ws := newPractice(t, ts, 2)
	a, b := ws[0], ws[1]
	const n = 1500
	var ids []string
	err := a.st.Update(func(tx *store.Tx) error {
		for i := range n {
			r, err := tx.Put("patient", "", "", fmt.Appendf(nil, `{"family":"Testperson","given":"Pull %d"}`, i))
			if err != nil {
				return err
			}
			ids = append(ids, r.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	a.sync(t)
	var last uint64
	a.st.View(func(tx *store.Tx) error { last = tx.SyncMark("pull:" + a.cfg.ServerID); return nil })

	b.c.BatchRevs = 40
	tamperAfter.Store(last - n/3) // a batch about two thirds in
	if _, err := b.c.RunOnce(context.Background()); !errors.Is(err, store.ErrTampered) {
		t.Fatalf("tampered: %v", err)
	}
	var mark uint64
	b.st.View(func(tx *store.Tx) error { mark = tx.SyncMark("pull:" + b.cfg.ServerID); return nil })
	if mark <= last-n+40 || mark > last-n/3 {
		t.Fatalf("checkpoint %d, want past the first batch and before %d", mark, last-n/3)
	}
	for _, id := range ids {
		rec, err := a.st.Get(id)
		if err != nil {
			t.Fatal(err)
		}
		v, ok := seqs.Load(rec.Rev)
		if !ok {
			continue // not served before the pull stopped
		}
		has := false
		b.st.View(func(tx *store.Tx) error { has = tx.HasRev(id, rec.Rev); return nil })
		if has != (v.(uint64) <= mark) {
			t.Fatalf("revision at sequence %d stored %v with the checkpoint at %d", v, has, mark)
		}
	}

	tamperAfter.Store(0)
	r := b.sync(t)
	if r.Pulled < n-int(mark-(last-n)) {
		t.Fatalf("resumed: pulled %d", r.Pulled)
	}
	sameRecords(t, a, b)
}
