package access_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"chartkeeper/chart"
	"chartkeeper/interop/access"
	"chartkeeper/interop/fhir"
	"chartkeeper/store"
)

const testPass = "correct horse battery"

func TestPatientAccessExport(t *testing.T) {
	st, _, err := chart.CreateStore(t.TempDir(), store.NewPractice{Name: "Access Test Clinic", AdminName: "Hana Testadmin", AdminUser: "admin", AdminPassword: []byte(testPass)})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, u := range []store.NewUser{{Username: "doc", Name: "Dana Testdoctor", Role: store.RoleClinician}, {Username: "desk", Name: "Desk Test", Role: store.RoleFrontDesk}} {
		u.Password = []byte(testPass)
		if _, err := st.AddUser(u); err != nil {
			t.Fatal(err)
		}
	}
	svc, err := chart.Open(st)
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	as := func(user string) {
		st.Lock()
		if err := st.Unlock(user, []byte(testPass)); err != nil {
			t.Fatal(err)
		}
	}
	as("doc")
	p, _, err := svc.RegisterPatient(chart.Patient{Family: "Παπαδοπούλου-Τεστ", Given: "Ζωή", DOB: "1979-09-21", Sex: chart.Female})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Save(&chart.Allergy{Meta: chart.Meta{Patient: p.ID}, Substance: "Penicillin", Severity: "severe"}); err != nil {
		t.Fatal(err)
	}
	if err := svc.Save(&chart.Vitals{Meta: chart.Meta{Patient: p.ID}, Taken: time.Now().Add(-time.Hour), Pulse: 72}); err != nil {
		t.Fatal(err)
	}
	scans := [][]byte{[]byte("%PDF-1.4 test scan one"), []byte("\x89PNG test scan two")}
	for i, d := range []chart.Document{
		{Meta: chart.Meta{Patient: p.ID}, Category: "lab", ClinicalDate: "2025-01-02", ContentType: "application/pdf", Title: "Test lab"},
		{Meta: chart.Meta{Patient: p.ID}, Category: "identity", ClinicalDate: "2024-03-04", ContentType: "image/png"},
	} {
		if _, err := svc.AddDocument(bytes.NewReader(scans[i]), d); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "access.zip")

	// front desk may not: no file, no disclosure
	as("desk")
	if _, err := access.WriteFile(svc, p.ID, out, access.Options{}); !errors.Is(err, store.ErrPermission) {
		t.Fatalf("front desk: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("a refused export left %v", entries)
	}

	as("admin")
	res, err := access.WriteFile(svc, p.ID, out, access.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Documents != 2 || res.Bytes == 0 {
		t.Errorf("result %+v", res)
	}
	fi, err := os.Stat(out)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the zip: %v, mode %v", err, fi.Mode().Perm())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("the folder holds %d files, want the zip alone", len(entries))
	}
	zr, err := zip.OpenReader(out)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		files[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	if !bytes.HasPrefix(files["summary.pdf"], []byte("%PDF-")) {
		t.Error("no summary PDF")
	}
	if !strings.Contains(string(files["README.txt"]), "Ζωή Παπαδοπούλου-Τεστ") {
		t.Errorf("README:\n%s", files["README.txt"])
	}
	if !bytes.Equal(files["documents/2025-01-02 lab 1.pdf"], scans[0]) || !bytes.Equal(files["documents/2024-03-04 identity 2.png"], scans[1]) {
		t.Errorf("documents in the zip: %v", keys(files))
	}
	parsed, err := fhir.Parse(bytes.NewReader(files["record.fhir.json"]), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(parsed.Charts) != 1 || parsed.Charts[0].Patient.Family != p.Family || len(parsed.Charts[0].Allergies) != 1 || len(parsed.Charts[0].Documents) != 2 || len(parsed.Charts[0].Vitals) != 1 {
		t.Errorf("the FHIR bundle in the zip: %+v", parsed.Charts)
	}

	ds, err := svc.Disclosures(p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || ds[0].Recipient != "the patient" || !strings.Contains(ds[0].What, "patient access export") || ds[0].By != "admin" {
		t.Errorf("disclosures %+v", ds)
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
