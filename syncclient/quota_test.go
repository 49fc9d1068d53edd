package syncclient_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"chartkeeper/internal/pgtest"
	"chartkeeper/syncclient"
	"chartkeeper/syncproto"
)

func usage(t *testing.T, ts *testServer, practice string) int64 {
	t.Helper()
	n, err := ts.backend.Usage(context.Background(), practice)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// A practice whose storage on the server is full: a document that does
// not fit is refused with a plain message and stays on its workstation,
// which still receives what the others push; once the operator raises the
// quota it goes out.
func TestQuotaFullKeepsDocumentLocally(t *testing.T) {
	ts := startServer(t)
	ws := newPractice(t, ts, 2)
	a, b := ws[0], ws[1]
	syncAll(t, a, b)
	pid := a.st.PracticeID()
	ts.quota = usage(t, ts, pid) + 20_000
	ts.restart()

	put(t, a.st, "note", "", "", "Small note that fits")
	syncAll(t, a, b)
	before := usage(t, ts, pid)
	content := docContent(100<<10, 5)
	doc := fileDocument(t, a, content)
	_, err := a.c.RunOnce(context.Background())
	if !errors.Is(err, syncproto.ErrQuotaExceeded) || !strings.Contains(err.Error(), "raise the quota") || !strings.Contains(err.Error(), "full (") {
		t.Fatalf("sync of a document past the quota: %v", err)
	}
	st := a.c.Status()
	if st.State != syncclient.StateError || st.PendingDocs != 1 || !strings.Contains(st.String(), "storage on the sync server is full") {
		t.Fatalf("status: %+v (%s)", st, st)
	}
	if u := usage(t, ts, pid); u != before {
		t.Fatalf("the refused document changed the practice's usage from %d to %d", before, u)
	}
	// The records already stored keep coming down meanwhile.
	note := put(t, b.st, "note", "", "", "Note from room 1 while the server is full")
	b.sync(t)
	if _, err := a.c.RunOnce(context.Background()); !errors.Is(err, syncproto.ErrQuotaExceeded) {
		t.Fatalf("second sync: %v", err)
	}
	if got := get(t, a.st, note.ID); string(got.Body) != string(note.Body) {
		t.Fatalf("A did not receive B's note while full: %q", got.Body)
	}
	if !bytes.Equal(readDocument(t, a, doc.ID), content) {
		t.Fatal("the refused document is not readable on its workstation")
	}

	// The operator raises the quota.
	ts.quota = 0
	ts.restart()
	syncAll(t, a, b)
	if st := a.c.Status(); st.State != syncclient.StateUpToDate || st.PendingDocs != 0 {
		t.Fatalf("status after the quota was raised: %+v", st)
	}
	if !bytes.Equal(readDocument(t, b, doc.ID), content) {
		t.Fatal("the document did not reach the other workstation")
	}
	if u := usage(t, ts, pid); u <= before+int64(len(content)) {
		t.Fatalf("usage %d after the document, was %d", u, before)
	}
}

func TestQuotaOnPostgreSQL(t *testing.T) {
	usePostgres(t, pgtest.StartForTest(t, pgtest.Options{}))
	TestQuotaFullKeepsDocumentLocally(t)
}
