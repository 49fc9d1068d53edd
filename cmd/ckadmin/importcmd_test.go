package main

import (
	"archive/zip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"

	"chartkeeper/chart"
)

func TestExportAndImportFHIR(t *testing.T) {
	p := newPractice(t)
	p.addStaff()
	r := p.as("desk", userPass, "patient", "add", "--family", "Τεστοπούλου", "--given", "Ελένη", "--dob", "1970-05-06", "--sex", "female")
	wantCode(t, "patient add", r, 0)
	mrn := lastLine(r.stdout)
	r = p.as("desk", userPass, "patient", "add", "--family", "Testmann", "--given", "Otto", "--dob", "1988-08-08", "--sex", "male")
	wantCode(t, "patient add", r, 0)
	p.withChart("doc", func(svc *chart.Service) {
		id, err := svc.PatientByMRN(mrn)
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.Save(&chart.Problem{Meta: chart.Meta{Patient: id}, Code: "I10", Description: "Hypertension, test"}); err != nil {
			t.Fatal(err)
		}
	})
	dir := t.TempDir()
	out := func(name string) string { return filepath.Join(dir, name) }

	r = p.as("doc", userPass, "export", "fhir", "--mrn", mrn, "--out", out("one.json"))
	wantCode(t, "export fhir --mrn", r, 0)
	wantOutput(t, "export fhir --mrn", r, "1 patients")
	if fi, err := os.Stat(out("one.json")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("one.json: %v %v", fi, err)
	}
	r = p.as("doc", userPass, "export", "fhir", "--out", out("all-doc.json"))
	wantCode(t, "a clinician exports the practice", r, exitRefused)
	wantOutput(t, "a clinician exports the practice", r, "only health information managers may")
	r = p.as("desk", userPass, "export", "fhir", "--mrn", mrn, "--out", out("desk.json"))
	wantCode(t, "front desk exports a chart", r, exitRefused)
	r = p.admin("export", "fhir", "--out", out("all.json"))
	wantCode(t, "export fhir", r, 0)
	wantOutput(t, "export fhir", r, "2 patients")
	for _, f := range []string{"all-doc.json", "desk.json"} {
		if _, err := os.Stat(out(f)); err == nil {
			t.Errorf("%s was written after a refusal", f)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("the folder holds %d files: temporary files left behind?", len(entries))
	}

	// into a second practice
	q := newPractice(t)
	q.addStaff()
	r = q.as("doc", userPass, "import", "fhir", out("all.json"))
	wantCode(t, "a clinician imports", r, exitRefused)
	r = q.admin("import", "fhir", out("all.json"), "--dry-run")
	wantCode(t, "import --dry-run", r, 0)
	wantOutput(t, "import --dry-run", r, "Dry run: 2 patients would be imported")
	r = q.admin("patient", "find", "Testmann")
	if strings.Contains(r.stdout, "Testmann") {
		t.Fatal("the dry run imported")
	}
	r = q.admin("import", "fhir", out("all.json"))
	wantCode(t, "import fhir", r, 0)
	wantOutput(t, "import fhir", r, "imported: MRN", "Τεστοπούλου, Ελένη, born 1970-05-06, 1 records", "Imported 2 patients")
	r = q.admin("import", "fhir", out("all.json"))
	wantCode(t, "import fhir again", r, exitFailed)
	wantOutput(t, "import fhir again", r, "likely duplicate: patient 1 of the bundle", "nothing was imported")
	r = q.admin("import", "fhir", out("all.json"), "--allow-duplicates")
	wantCode(t, "import fhir --allow-duplicates", r, 0)

	bad := writeFile(t, dir, "bad.json", `{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient","name":[{"family":"X","given":["Y"]}],"birthDate":"1990-02-30"}}]}`)
	r = q.admin("import", "fhir", bad)
	wantCode(t, "import a bad bundle", r, exitFailed)
	wantOutput(t, "import a bad bundle", r, "entry 1 (Patient): birthDate is not a date written YYYY-MM-DD")
}

func TestImportCSV(t *testing.T) {
	p := newPractice(t)
	p.addStaff()
	dir := t.TempDir()
	list := writeFile(t, dir, "legacy.csv", "\ufeffSurname;First name;Date of birth;Gender;Mobile\n"+
		"Testová;Jana;1975-04-03;F;+420 555 123\n"+
		"Testtwo;;1980-01-01;M;\n"+
		"\"Test; Three\";Kai;03/04/1990;x;\n")
	r := p.as("desk", userPass, "import", "csv", list, "--dry-run")
	wantCode(t, "dry run", r, exitFailed)
	wantOutput(t, "dry run", r, "line 3: given name is required", "line 4: the birth date is not a date written YYYY-MM-DD", "Dry run: 3 rows, 2 cannot be registered")
	r = p.as("desk", userPass, "import", "csv", list)
	wantCode(t, "import with bad rows", r, exitFailed)
	wantOutput(t, "import with bad rows", r, "no patient was")
	if r := p.admin("patient", "find", "Testová"); strings.Contains(r.stdout, "Testová") {
		t.Fatal("a list with bad rows was half imported")
	}

	fixed := writeFile(t, dir, "fixed.csv", "Nom|Prénom|Né le|Sexe\nTestová|Jana|03/04/1975|F\nTesttwo|Ola|01/01/1980|M\n")
	mapping := writeFile(t, dir, "mapping.txt", "# the clinic's old list\nfamily = Nom\ngiven=Prénom\n")
	r = p.as("desk", userPass, "import", "csv", fixed, "--mapping", mapping, "--map", "dob=Né le", "--date-format", "DD/MM/YYYY")
	// "|" is not a separator: the whole line is one column
	wantCode(t, "pipes", r, exitFailed)
	wantOutput(t, "pipes", r, "no such column")
	fixed = writeFile(t, dir, "fixed.csv", "Nom,Prénom,Né le,Sexe\nTestová,Jana,03/04/1975,F\nTesttwo,Ola,01/01/1980,M\n")
	r = p.as("desk", userPass, "import", "csv", fixed, "--mapping", mapping, "--map", "dob=Né le", "--date-format", "DD/MM/YYYY")
	wantCode(t, "import csv", r, 0)
	wantOutput(t, "import csv", r, "Testová, Jana\t1975-04-03", "Registered 2 patients.")
	r = p.as("desk", userPass, "import", "csv", fixed, "--mapping", mapping, "--map", "dob=Né le", "--date-format", "DD/MM/YYYY")
	wantCode(t, "import csv again", r, exitFailed)
	wantOutput(t, "import csv again", r, "line 2: likely duplicate of MRN")
	r = p.as("coder", userPass, "import", "csv", fixed, "--map", "family=Nom", "--map", "given=Prénom", "--map", "dob=Né le", "--date-format", "DD/MM/YYYY")
	wantCode(t, "a coder imports", r, exitRefused)
	r = p.as("desk", userPass, "import", "csv", fixed, "--map", "colour=Nom")
	wantCode(t, "unknown field", r, exitUsage)
}

func TestExportAccess(t *testing.T) {
	p := newPractice(t)
	p.addStaff()
	r := p.as("desk", userPass, "patient", "add", "--family", "Testsdóttir", "--given", "Guðrún", "--dob", "1966-06-16", "--sex", "female")
	wantCode(t, "patient add", r, 0)
	mrn := lastLine(r.stdout)
	dir := t.TempDir()
	zipPath := filepath.Join(dir, "record.zip")
	r = p.as("desk", userPass, "export", "access", "--mrn", mrn, "--out", zipPath)
	wantCode(t, "front desk", r, exitRefused)
	r = p.admin("export", "access", "--mrn", mrn, "--out", zipPath)
	wantCode(t, "export access", r, 0)
	wantOutput(t, "export access", r, "Recorded as a disclosure to the patient")
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	if strings.Join(names, " ") != "README.txt summary.pdf record.fhir.json" {
		t.Errorf("zip holds %v", names)
	}
	r = p.admin("audit", "list", "--mrn", mrn)
	wantOutput(t, "audit", r, "disclosure", "print.export")
}

// Lists as other systems write them: an OpenEMR export (quoted, NULLs,
// CRLF), a French spreadsheet saved as Windows-1252, dates that do not say
// their order.
func TestImportCSVFromOtherSystems(t *testing.T) {
	p := newPractice(t)
	p.addStaff()
	dir := t.TempDir()
	openemr := writeFile(t, dir, "patient_data.csv", `"pid","fname","lname","mname","DOB","sex","ss","phone_home","phone_cell","street","city","state","postal_code","email"`+"\r\n"+
		`"1","Testina","Fakeington","Q","1984-07-09","Female","999-00-0001","555-010-0001",NULL,"12 Nowhere Lane","Testville","ZZ","99999","testina@example.org"`+"\r\n"+
		`"2","Testo","Ñúñez","NULL","1950-12-31","Male",NULL,NULL,"555-010-0102",NULL,NULL,NULL,NULL,NULL`+"\r\n")
	r := p.as("desk", userPass, "import", "csv", openemr, "--dry-run")
	wantCode(t, "dry run", r, 0)
	wantOutput(t, "dry run", r, `family="lname"`, `middle="mname"`, `phone="phone_cell" (else "phone_home")`, `national-id="ss"`, `email="email"`,
		"Columns not read: pid", "line 2 reads as: Fakeington, Testina, middle name Q, born 1984-07-09, female, 555-010-0001, testina@example.org",
		"Dry run: 2 rows, 0 cannot be registered")
	r = p.as("desk", userPass, "import", "csv", openemr)
	wantCode(t, "import", r, 0)
	wantOutput(t, "import", r, "Fakeington, Testina\t1984-07-09", "Registered 2 patients.")
	var mrn string
	for _, l := range strings.Split(r.stdout, "\n") {
		if strings.Contains(l, "Fakeington") {
			mrn, _, _ = strings.Cut(l, "\t")
		}
	}
	r = p.as("desk", userPass, "patient", "show", mrn)
	wantCode(t, "patient show", r, 0)
	wantOutput(t, "patient show", r, "Middle name:       Q", "E-mail:            testina@example.org", "Phone:             555-010-0001",
		"Identifier:        national-id 999-00-0001", "Address:           12 Nowhere Lane, Testville, ZZ 99999")

	// Excel's plain "CSV" in France: Windows-1252, semicolons
	french, err := charmap.Windows1252.NewEncoder().String("Nom;Prénom;Date de naissance;Sexe;Téléphone;Courriel\r\nTesté;Zoé;7/9/2019;féminin;N/A;zoe@exemple.fr\r\n")
	if err != nil {
		t.Fatal(err)
	}
	list := writeFile(t, dir, "liste.csv", french)
	r = p.as("desk", userPass, "import", "csv", list, "--date-format", "DD/MM/YYYY")
	wantCode(t, "Windows-1252", r, exitFailed)
	wantOutput(t, "Windows-1252", r, "not UTF-8", `save it from the spreadsheet as "CSV UTF-8"`, "--encoding windows-1252")
	r = p.as("desk", userPass, "import", "csv", list, "--date-format", "DD/MM/YYYY", "--encoding", "windows-1252")
	wantCode(t, "Windows-1252 read", r, 0)
	wantOutput(t, "Windows-1252 read", r, "Read as Windows-1252.", "Testé, Zoé\t2019-09-07", "Registered 1 patients.")

	// dates that do not say whether the day or the month comes first
	ambiguous := writeFile(t, dir, "ambiguous.csv", "Last Name,First Name,Date of Birth\nTestdate,Ana,03/04/1990\nTestdate,Bea,11/12/1980\n")
	r = p.as("desk", userPass, "import", "csv", ambiguous, "--dry-run")
	wantCode(t, "ambiguous dates", r, exitFailed)
	wantOutput(t, "ambiguous dates", r, "line 2: the birth date is not a date written YYYY-MM-DD",
		"note: 2 birth dates are not written YYYY-MM-DD", "does not say whether that is DD/MM/YYYY or MM/DD/YYYY: nothing was guessed")
	r = p.as("desk", userPass, "import", "csv", ambiguous, "--date-format", "MM/DD/YYYY")
	wantCode(t, "ambiguous dates with a format", r, 0)
	wantOutput(t, "ambiguous dates with a format", r, "Testdate, Ana\t1990-03-04")
}
