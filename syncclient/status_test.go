package syncclient_test

import (
	"context"
	"testing"

	"chartkeeper/syncclient"
)

// A document filed while the server is away counts as waiting, and "up to
// date" shows only once it is on the server.
func TestStatusCountsDocumentsWaiting(t *testing.T) {
	ts := startServer(t)
	a := newPractice(t, ts, 1)[0]
	a.sync(t)
	ts.stop()
	fileDocument(t, a, docContent(10<<10, 7))
	if _, err := a.c.RunOnce(context.Background()); err == nil {
		t.Fatal("sync with the server stopped went well")
	}
	if st := a.c.Status(); st.PendingDocs != 1 || st.State != syncclient.StateOffline {
		t.Fatalf("status with the server away: %+v", st)
	}
	ts.start()
	a.sync(t)
	if st := a.c.Status(); st.PendingDocs != 0 || st.Pending != 0 || st.State != syncclient.StateUpToDate || st.String() != "up to date" {
		t.Fatalf("status after the sync: %+v (%s)", st, st)
	}
}

func TestStatusString(t *testing.T) {
	for _, tc := range []struct {
		st   syncclient.Status
		want string
	}{
		{syncclient.Status{State: syncclient.StateWaiting, Pending: 1}, "1 change waiting"},
		{syncclient.Status{State: syncclient.StateWaiting, Pending: 3}, "3 changes waiting"},
		{syncclient.Status{State: syncclient.StateWaiting, PendingDocs: 1}, "1 document waiting"},
		{syncclient.Status{State: syncclient.StateWaiting, Pending: 2, PendingDocs: 4}, "2 changes and 4 documents waiting"},
		{syncclient.Status{State: syncclient.StateUpToDate, Warning: "note"}, "up to date (note)"},
		{syncclient.Status{State: syncclient.StateError, Err: "refused", Warning: "note"}, "sync error: refused"},
	} {
		if got := tc.st.String(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.st, got, tc.want)
		}
	}
}
