package demo_test

import (
	"os"
	"testing"

	"chartkeeper/chart/demo"
	"chartkeeper/chart/icd10"
	"chartkeeper/store"
)

func TestInstallCodes(t *testing.T) {
	p := newPractice(t)
	svc := p.mustAs(store.RoleClinician)
	if _, err := demo.InstallCodes(svc); err == nil {
		t.Error("a clinician installed the code table")
	}
	if _, ok := svc.CodeTable(); ok {
		t.Fatal("a new practice has a code table")
	}
	n, err := demo.InstallCodes(p.mustAs(store.RoleHIM))
	if err != nil || n < 500 {
		t.Fatalf("InstallCodes = %d, %v", n, err)
	}
	info, ok := svc.CodeTable()
	if !ok || info.Codes != n || info.Name != icd10.PrimaryCareFile {
		t.Errorf("CodeTable = %+v, %v", info, ok)
	}
	// The code a clinician means comes first: E11.9 for "diabetes".
	for q, limit := range map[string]int{"diabetes": 1, "type 2 diabetes without complications": 1, "E11.9": 1} {
		found := false
		for _, c := range svc.SearchCodes(q, limit) {
			found = found || c.Dotted() == "E11.9"
		}
		if !found {
			t.Errorf("searching %q (%d matches) does not find E11.9", q, limit)
		}
	}
	if again, err := demo.InstallCodes(svc); err != nil || again != 0 {
		t.Errorf("a second InstallCodes = %d, %v; want the table left as it is", again, err)
	}

	// The demo charts are all coded from the table.
	st, err := demo.Fill(p.mustAs(store.RoleClinician), demo.Options{Patients: 20, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	if st.Coded == 0 {
		t.Errorf("no visit coded: %+v", st)
	}
}

func TestInstallCodesKeepsAnImportedTable(t *testing.T) {
	p := newPractice(t)
	svc := p.mustAs(store.RoleHIM)
	f, err := os.Open("../icd10/testdata/icd10cm-codes-test.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want, err := svc.ImportCodes(f, "icd10cm-codes-test.txt")
	if err != nil {
		t.Fatal(err)
	}
	if n, err := demo.InstallCodes(svc); err != nil || n != 0 {
		t.Errorf("InstallCodes over an imported table = %d, %v", n, err)
	}
	if info, _ := svc.CodeTable(); info.Codes != want || info.Name != "icd10cm-codes-test.txt" {
		t.Errorf("the practice's table became %+v", info)
	}
}
