package chart

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"strings"
	"testing"

	"chartkeeper/store"
)

const (
	sealedPagesMarker  = "Zqxsealed-pages-oncology"
	sealedNoteMarker   = "Zqxsealed-note-relapse"
	sealedSourceMarker = "Zqxsealed-scan-name"
)

// readsMarker reports every place where the signed-in user's program,
// with the store package, reads one of the markers: the revisions of every
// record the change feed names and every blob of the blob feed.
func readsMarker(t *testing.T, st *store.Store, markers ...string) []string {
	t.Helper()
	var found []string
	err := st.View(func(tx *store.Tx) error {
		chs, err := tx.Changes(0, 1<<30)
		if err != nil {
			return err
		}
		for _, ch := range chs {
			hist, err := tx.History(ch.RecordID)
			if err != nil {
				continue // beyond this user's keys
			}
			for _, r := range hist {
				for _, m := range markers {
					if bytes.Contains(r.Body, []byte(m)) {
						found = append(found, m+" in "+r.Type+" "+r.ID)
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	feed, err := st.BlobFeed(0, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range feed {
		rc, _, err := st.OpenBlob(e.ID)
		if err != nil {
			continue
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			continue
		}
		for _, m := range markers {
			if bytes.Contains(b, []byte(m)) {
				found = append(found, m+" in blob "+e.ID)
			}
		}
	}
	return found
}

// Front desk files a clinical scan from the inbox, then cannot read its
// pages, title, note or file name, whatever its program calls in the store;
// it still files and opens administrative documents. A clinician opens the
// filed clinical document. (Written against the service and store calls
// that existed before clinical documents were sealed, where it fails: the
// front desk read the pages and the note back.)
func TestFrontDeskCannotReadFiledClinicalDocument(t *testing.T) {
	p := newPractice(t)
	pt := p.patient("Testsealed", "Ána", "1970-03-04")
	desk := p.as(store.RoleFrontDesk)
	pages := []byte("%PDF-1.4 synthetic " + strings.Repeat(sealedPagesMarker+" ", 1000))
	in, err := desk.AddDocument(bytes.NewReader(pages), Document{ContentType: "application/pdf", Pages: 20, Source: sealedSourceMarker + ".pdf"})
	if err != nil {
		t.Fatal(err)
	}
	// In the inbox the front desk sees the pages, to file them.
	rc, _, err := desk.OpenDocument(in.ID)
	if err != nil {
		t.Fatalf("front desk opens the inbox scan: %v", err)
	}
	rc.Close()
	filed, err := desk.FileDocument(in.ID, pt.ID, "lab", "2026-05-01", sealedNoteMarker)
	if err != nil {
		t.Fatalf("front desk files the clinical scan: %v", err)
	}
	if _, _, err := desk.OpenDocument(filed.ID); !errors.Is(err, store.ErrPermission) {
		t.Fatalf("front desk opened the filed clinical document: %v", err)
	}
	if found := readsMarker(t, p.st, sealedPagesMarker, sealedNoteMarker); len(found) > 0 {
		t.Errorf("front desk's program reads the clinical document: %v", found)
	}
	// The scanned file's name was the front desk's to see in the inbox, and
	// the inbox record's history keeps it; the filed document does not.
	for _, f := range readsMarker(t, p.st, sealedSourceMarker) {
		if strings.Contains(f, filed.ID) {
			t.Errorf("front desk's program reads the filed document's file name: %s", f)
		}
	}
	// Break-glass opens nothing the user's keys do not reach: the front
	// desk may not open a grant, and one an HIM manager's program wrote
	// for it (signed, so valid everywhere) still opens neither the
	// document nor its note.
	if _, err := desk.OpenBreakGlass(pt.ID, "patient collapsed at the desk"); !errors.Is(err, store.ErrPermission) {
		t.Fatalf("front desk opened break-glass: %v", err)
	}
	deskUser, _ := desk.CurrentUser()
	p.as(store.RoleHIM)
	err = p.st.Update(func(tx *store.Tx) error {
		now := p.clk.now()
		_, err := put(tx, TypeBreakGlass, store.NewID(), "", BreakGlass{UserID: deskUser.ID, Username: deskUser.Username, Patient: pt.ID, Reason: "granted by a program", At: now, Until: now.Add(DefaultBreakGlass)})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	desk = p.as(store.RoleFrontDesk)
	if _, _, err := desk.OpenDocument(filed.ID); !errors.Is(err, store.ErrNoKey) {
		t.Fatalf("front desk opened the filed clinical document under a grant: %v", err)
	}
	if c, err := desk.OpenChart(pt.ID); err == nil {
		for _, d := range c.Documents {
			if d.Note == sealedNoteMarker {
				t.Error("front desk reads the note under a grant")
			}
		}
	}
	// An administrative document stays the front desk's to read.
	ins, err := desk.AddDocument(bytes.NewReader([]byte("%PDF-1.4 insurance card Testsealed")), Document{ContentType: "application/pdf", Pages: 1})
	if err != nil {
		t.Fatal(err)
	}
	if ins, err = desk.FileDocument(ins.ID, pt.ID, "insurance", "2026-05-02", "front and back"); err != nil {
		t.Fatal(err)
	}
	rc, d, err := desk.OpenDocument(ins.ID)
	if err != nil {
		t.Fatalf("front desk opens the insurance card: %v", err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Contains(b, []byte("insurance card")) || d.Note != "front and back" {
		t.Errorf("front desk reads the insurance card: %q %q", b, d.Note)
	}
	// The clinician opens the clinical document, note and all.
	doc := p.as(store.RoleClinician)
	rc, d, err = doc.OpenDocument(filed.ID)
	if err != nil {
		t.Fatalf("the clinician opens the filed document: %v", err)
	}
	b, _ = io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(b, pages) || d.Note != sealedNoteMarker || d.Source != sealedSourceMarker+".pdf" || d.Category != "lab" {
		t.Errorf("the clinician reads %d bytes, note %q, source %q", len(b), d.Note, d.Source)
	}
	c, err := doc.OpenChart(pt.ID)
	if err != nil {
		t.Fatal(err)
	}
	notes := map[string]string{}
	for _, d := range c.Documents {
		notes[d.Category] = d.Note
	}
	if notes["lab"] != sealedNoteMarker || notes["insurance"] != "front and back" {
		t.Errorf("the clinician's chart shows %v", notes)
	}
}

// What stays in clear for front desk, and that the sealed copy replaced
// the inbox's: the general-key copy of the pages is gone from this
// workstation.
func TestFiledClinicalDocumentSealed(t *testing.T) {
	p := newPractice(t)
	pt := p.patient("Testsealed", "Bo", "1981-07-08")
	desk := p.as(store.RoleFrontDesk)
	in, err := desk.AddDocument(bytes.NewReader([]byte("%PDF-1.4 "+sealedPagesMarker)), Document{ContentType: "application/pdf", Pages: 3})
	if err != nil {
		t.Fatal(err)
	}
	filed, err := desk.FileDocument(in.ID, pt.ID, "imaging", "2026-04-30", sealedNoteMarker)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := p.st.HasBlob(in.Blob); err != nil || ok {
		t.Errorf("the inbox's general-key copy is still here: %v %v", ok, err)
	}
	if info, err := p.st.BlobInfo(filed.Blob); err != nil || !info.Clinical {
		t.Errorf("the filed content: %v %+v", err, info)
	}
	err = p.st.View(func(tx *store.Tx) error {
		r, err := tx.Get(filed.ID)
		if err != nil {
			return err
		}
		d, err := readDocument(tx, r)
		if err != nil {
			return err
		}
		if !d.Locked || d.Note != "" || d.Category != "imaging" || d.ClinicalDate != "2026-04-30" || d.Pages != 3 || d.Patient != pt.ID || d.FiledBy != "desk" {
			t.Errorf("front desk's view of the filed document: %+v", d)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The same scan taken in again is found as the filed document.
	got, ok, err := desk.DocumentByContent(sha256.Sum256([]byte("%PDF-1.4 " + sealedPagesMarker)))
	if err != nil || !ok || got.ID != filed.ID {
		t.Errorf("the filed document by its content: %v %v %s", err, ok, got.ID)
	}
}

// Documents filed before the practice had its clinical document key (as
// the program wrote them then) are sealed by SealClinicalDocuments, which
// stops when told and carries on at the next call.
func TestSealClinicalDocumentsLater(t *testing.T) {
	p := newPractice(t)
	pt := p.patient("Testsealed", "Cy", "1990-01-02")
	him := p.as(store.RoleHIM)
	var old []Document
	for i, cat := range []string{"lab", "letter", "insurance", "referral"} {
		content := []byte("%PDF-1.4 " + sealedPagesMarker + " " + cat)
		info, err := p.st.PutBlob(bytes.NewReader(content))
		if err != nil {
			t.Fatal(err)
		}
		d := Document{Meta: Meta{Patient: pt.ID}, Category: cat, ClinicalDate: "2026-01-0" + string(rune('1'+i)), Note: sealedNoteMarker + " " + cat,
			Blob: info.ID, Size: info.Size, ContentType: "application/pdf", Received: p.clk.now(), FiledBy: "admin", FiledAt: p.clk.now()}
		err = p.st.Update(func(tx *store.Tx) error {
			r, err := put(tx, TypeDocument, childID(pt.ID), "", d)
			d.ID = r.ID
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		old = append(old, d)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if n, err := him.SealClinicalDocuments(ctx); err != nil || n != 0 {
		t.Fatalf("a stopped run: %d %v", n, err)
	}
	if n, err := him.SealClinicalDocuments(context.Background()); err != nil || n != 3 {
		t.Fatalf("sealing: %d %v", n, err)
	}
	if n, err := him.SealClinicalDocuments(context.Background()); err != nil || n != 0 {
		t.Fatalf("sealing again: %d %v", n, err)
	}
	p.wantAudit("admin document.seal ")
	// The current revisions and every blob: front desk reads the
	// insurance card's note and pages only. (The revisions written before
	// stay in each record's history as they were: see docs/SECURITY.md.)
	p.as(store.RoleFrontDesk)
	err := p.st.View(func(tx *store.Tx) error {
		return tx.List(TypeDocument, func(r store.Record) error {
			if bytes.Contains(r.Body, []byte(sealedNoteMarker)) != bytes.Contains(r.Body, []byte("insurance")) {
				t.Errorf("front desk reads %s", r.Body)
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range readsMarker(t, p.st, sealedPagesMarker) {
		if strings.Contains(f, "in blob") {
			if id := strings.TrimPrefix(f, sealedPagesMarker+" in blob "); id != old[2].Blob {
				t.Errorf("front desk reads the pages of blob %s", id)
			}
		}
	}
	for _, d := range old {
		if ok, _ := p.st.HasBlob(d.Blob); ok == (d.Category != "insurance") {
			t.Errorf("%s: the general-key copy kept: %v", d.Category, ok)
		}
	}
	doc := p.as(store.RoleClinician)
	c, err := doc.OpenChart(pt.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range c.Documents {
		rc, _, err := doc.OpenDocument(d.ID)
		if err != nil {
			t.Fatalf("%s: %v", d.Category, err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		if d.Note != sealedNoteMarker+" "+d.Category || !bytes.HasSuffix(b, []byte(d.Category)) {
			t.Errorf("%s: the clinician reads %q, note %q", d.Category, b, d.Note)
		}
	}
}
