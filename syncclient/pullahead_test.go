package syncclient_test

import (
	"context"
	"encoding/json"
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
// several to a transaction: everything arrives, and tampered revisions in
// later batches are set aside in the transactions that import the rest.
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
	tamperAfter.Store(last - n/3) // the batches from about two thirds in
	r, err := b.c.RunOnce(context.Background())
	if err != nil || r.SetAside == 0 {
		t.Fatalf("tampered: %v, %+v", err, r)
	}
	var mark uint64
	b.st.View(func(tx *store.Tx) error { mark = tx.SyncMark("pull:" + b.cfg.ServerID); return nil })
	if mark < last {
		t.Fatalf("checkpoint %d, want %d", mark, last)
	}
	setAside := 0
	for _, id := range ids {
		rec, err := a.st.Get(id)
		if err != nil {
			t.Fatal(err)
		}
		v, ok := seqs.Load(rec.Rev)
		if !ok {
			t.Fatalf("revision %s was never served", rec.Rev)
		}
		has, aside := false, false
		b.st.View(func(tx *store.Tx) error { has, aside = tx.HasRev(id, rec.Rev), tx.IsSetAside(id, rec.Rev); return nil })
		if has == aside || aside && v.(uint64) <= last-n/3 {
			t.Fatalf("revision at sequence %d stored %v, set aside %v", v, has, aside)
		}
		if aside {
			setAside++
		}
	}
	if setAside != r.SetAside {
		t.Fatalf("%d revisions set aside, the sync says %d", setAside, r.SetAside)
	}
	tamperAfter.Store(0)
	if r := b.sync(t); r.Pulled != 0 {
		t.Fatalf("again: pulled %d", r.Pulled)
	}
}
