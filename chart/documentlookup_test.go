package chart

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"testing"

	"chartkeeper/store"
)

// TestDocumentByContent: a document is found by its content's hash in the
// inbox and, once filed, in the chart; content whose document was
// rejected, or that no document holds, is not found.
func TestDocumentByContent(t *testing.T) {
	p := newPractice(t)
	pt := p.patient("Testperson", "Ada", "1980-04-02")
	svc := p.as(store.RoleFrontDesk)
	content := []byte("%PDF-1.4 a scan of a referral")
	sum := sha256.Sum256(content)
	if _, ok, err := svc.DocumentByContent(sum); ok || err != nil {
		t.Fatalf("found before it was stored: %v %v", ok, err)
	}
	d, err := svc.AddDocument(bytes.NewReader(content), Document{ContentType: "application/pdf", Source: "a.pdf"})
	if err != nil {
		t.Fatal(err)
	}
	got, ok, err := svc.DocumentByContent(sum)
	if err != nil || !ok || got.ID != d.ID || got.Blob != d.Blob || got.Filed() {
		t.Fatalf("inbox document: %+v %v %v", got, ok, err)
	}
	// Filed: the index follows the change feed to the chart's record.
	filed, err := svc.FileDocument(d.ID, pt.ID, "referral", "2026-05-01", "")
	if err != nil {
		t.Fatal(err)
	}
	got, ok, err = svc.DocumentByContent(sum)
	if err != nil || !ok || got.ID != filed.ID || got.Patient != pt.ID {
		t.Fatalf("filed document: %+v %v %v", got, ok, err)
	}
	// Another document, rejected: its content is stored but held by no
	// live document.
	other := []byte("%PDF-1.4 a page for nobody")
	od, err := svc.AddDocument(bytes.NewReader(other), Document{ContentType: "application/pdf"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RejectDocument(od.ID, "blank page"); err != nil {
		t.Fatal(err)
	}
	if got, ok, err := svc.DocumentByContent(sha256.Sum256(other)); ok || err != nil {
		t.Fatalf("rejected document found: %+v %v", got, err)
	}
	// A fresh service builds the index from the store.
	svc2, err := Open(p.st)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok, err := svc2.DocumentByContent(sum); err != nil || !ok || got.ID != filed.ID {
		t.Fatalf("new service: %+v %v %v", got, ok, err)
	}
	// Roles that take in no documents may not ask.
	p.as(store.RoleCoder)
	if _, _, err := svc.DocumentByContent(sum); !errors.Is(err, ErrPermission) {
		t.Errorf("coder: %v", err)
	}
}
