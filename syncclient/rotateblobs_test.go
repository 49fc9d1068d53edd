package syncclient_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"chartkeeper/store"
)

// putDocument stores content as a document, blob and record together, as
// chart files one (category empty: the inbox).
func putDocument(t *testing.T, s *store.Store, content []byte, category string) (docID, blobID string) {
	t.Helper()
	info, err := s.PutBlobFrom(bytes.NewReader(content), func(tx *store.Tx, info store.BlobInfo) error {
		body := `{"blob":"` + info.ID + `","contentType":"application/pdf"`
		if category != "" {
			body += `,"category":"` + category + `"`
		}
		r, err := tx.Put("document", "", "", []byte(body+"}"))
		docID = r.ID
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return docID, info.ID
}

func readSealedDocument(t *testing.T, s *store.Store, id string) ([]byte, error) {
	t.Helper()
	rc, _, err := s.OpenBlob(id)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// A front desk user is disabled on one workstation, which then files an
// administrative document and takes a scan into the inbox: both are
// sealed under the general key's new epoch. Through real sync the other
// workstation, where the removed user is still signed in, keeps them
// (nothing set aside) without reading them; its remaining front desk user
// signs in and reads them, and the scan they take in is read on the
// first workstation.
func TestBlobsUnderNewGeneralEpochThroughSync(t *testing.T) {
	ts := startServer(t)
	ws := newPractice(t, ts, 2)
	a, b := ws[0], ws[1]
	const pw = "Velvet-Canyon-Mosaic-19"
	for _, u := range []store.NewUser{
		{Username: "desk", Name: "Desk Testone", Role: store.RoleFrontDesk},
		{Username: "desk2", Name: "Desk Testtwo Ødegård", Role: store.RoleFrontDesk},
	} {
		u.Password = []byte(pw)
		if _, err := a.st.AddUser(u); err != nil {
			t.Fatal(err)
		}
	}
	oldContent := bytes.Repeat([]byte("Zqxold-consent "), 90_000)
	_, oldBlob := putDocument(t, a.st, oldContent, "consent")
	syncAll(t, a, b)
	b.st.Lock()
	if err := b.st.Unlock("desk2", []byte(pw)); err != nil {
		t.Fatal(err)
	}

	if err := a.st.DisableUser("desk2"); err != nil {
		t.Fatal(err)
	}
	cardContent := bytes.Repeat([]byte("Zqxinsurance-card-山田 "), 120_000)
	cardDoc, cardBlob := putDocument(t, a.st, cardContent, "insurance")
	scanContent := bytes.Repeat([]byte("Zqxinbox-referral "), 70_000)
	scanDoc, scanBlob := putDocument(t, a.st, scanContent, "")
	for _, id := range []string{cardBlob, scanBlob} {
		if info, err := a.st.BlobInfo(id); err != nil || info.Epoch != 2 {
			t.Fatalf("a document filed after the rotation: %+v %v", info, err)
		}
	}
	syncAll(t, a, b)

	// b: the removed user's session keeps the documents, reads neither.
	for _, id := range []string{cardBlob, scanBlob} {
		if has, err := b.st.HasBlob(id); err != nil || !has {
			t.Fatalf("b did not keep document %s: %v", id, err)
		}
		if _, err := readSealedDocument(t, b.st, id); !errors.Is(err, store.ErrNoKey) {
			t.Errorf("the removed user's session on b opens document %s: %v", id, err)
		}
	}
	if items, err := b.st.SetAsideItems(); err != nil || len(items) != 0 {
		t.Fatalf("b set aside %d items: %v", len(items), err)
	}

	// b's remaining front desk user reads them, and takes a scan in.
	b.st.Lock()
	if err := b.st.Unlock("desk", []byte(pw)); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string][]byte{oldBlob: oldContent, cardBlob: cardContent, scanBlob: scanContent} {
		if got, err := readSealedDocument(t, b.st, id); err != nil || !bytes.Equal(got, want) {
			t.Fatalf("b's front desk reads document %s: %v", id, err)
		}
	}
	for _, id := range []string{cardDoc, scanDoc} {
		if r := get(t, b.st, id); !strings.Contains(string(r.Body), "application/pdf") {
			t.Fatalf("b's front desk reads the record of %s: %s", id, r.Body)
		}
	}
	fromBContent := bytes.Repeat([]byte("Zqxfromb-scan "), 80_000)
	_, fromB := putDocument(t, b.st, fromBContent, "")
	if info, err := b.st.BlobInfo(fromB); err != nil || info.Epoch != 2 {
		t.Fatalf("b's scan after taking the new epoch: %+v %v", info, err)
	}
	syncAll(t, a, b)
	if got, err := readSealedDocument(t, a.st, fromB); err != nil || !bytes.Equal(got, fromBContent) {
		t.Fatalf("a reads b's scan: %v", err)
	}
	b.st.Lock()
	if err := b.st.Unlock("admin", []byte(adminPass)); err != nil {
		t.Fatal(err)
	}
	for _, w := range ws {
		if items, err := w.st.SetAsideItems(); err != nil || len(items) != 0 {
			t.Fatalf("%d items set aside: %v", len(items), err)
		}
		rep, err := w.st.Verify()
		if err != nil || !rep.OK() {
			t.Fatalf("verify: %v %v", err, rep.Problems)
		}
	}
}
