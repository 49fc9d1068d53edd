package syncclient_test

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"chartkeeper/chart"
	"chartkeeper/store"
)

// A clinical scan that the front desk files on workstation A travels to B
// sealed to the clinical compartment: B's front desk imports and checks it
// without the key but cannot open it, B's clinician reads it byte for
// byte, and the inbox's general-key copy, dropped at filing before A
// synced, never leaves A.
func TestClinicalDocumentSyncsSealed(t *testing.T) {
	ts := startServer(t)
	ws := newPractice(t, ts, 2)
	a, b := ws[0], ws[1]
	for _, nu := range []store.NewUser{
		{Username: "desk", Name: "Test Desk", Role: store.RoleFrontDesk, Password: []byte(adminPass)},
		{Username: "doc", Name: "Test Doc", Role: store.RoleClinician, Password: []byte(adminPass)},
	} {
		if _, err := a.st.AddUser(nu); err != nil {
			t.Fatal(err)
		}
	}
	svc, err := chart.Open(a.st)
	if err != nil {
		t.Fatal(err)
	}
	pt, _, err := svc.RegisterPatient(chart.Patient{Family: "Testsync", Given: "Åsa", DOB: "1980-02-03", Sex: chart.Female, Phone: "+1 555 0100 0203"})
	if err != nil {
		t.Fatal(err)
	}
	signInAs := func(w *workstation, user string) *chart.Service {
		t.Helper()
		w.st.Lock()
		if err := w.st.Unlock(user, []byte(adminPass)); err != nil {
			t.Fatalf("%s signs in: %v", user, err)
		}
		svc, err := chart.Open(w.st)
		if err != nil {
			t.Fatal(err)
		}
		return svc
	}
	desk := signInAs(a, "desk")
	content := docContent(3<<20, 7)
	in, err := desk.AddDocument(bytes.NewReader(content), chart.Document{ContentType: "application/pdf", Pages: 20})
	if err != nil {
		t.Fatal(err)
	}
	filed, err := desk.FileDocument(in.ID, pt.ID, "lab", "2026-05-01", "Zqxsync-note")
	if err != nil {
		t.Fatal(err)
	}
	syncAll(t, a, b)

	deskB := signInAs(b, "desk")
	if ok, err := b.st.HasBlob(filed.Blob); err != nil || !ok {
		t.Fatalf("B's front desk did not fetch the sealed content: %v %v", ok, err)
	}
	if ok, _ := b.st.HasBlob(in.Blob); ok {
		t.Error("the inbox's general-key copy reached B")
	}
	if _, _, err := deskB.OpenDocument(filed.ID); !errors.Is(err, store.ErrPermission) {
		t.Fatalf("B's front desk opened the document: %v", err)
	}
	if _, _, err := b.st.OpenBlob(filed.Blob); !errors.Is(err, store.ErrNoKey) {
		t.Fatalf("B's front desk opened the content in the store: %v", err)
	}
	doc := signInAs(b, "doc")
	rc, d, err := doc.OpenDocument(filed.ID)
	if err != nil {
		t.Fatalf("B's clinician opens the document: %v", err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || !bytes.Equal(got, content) || d.Note != "Zqxsync-note" {
		t.Fatalf("B's clinician reads %d bytes (%v), note %q", len(got), err, d.Note)
	}
}
