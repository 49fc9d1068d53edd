package chart

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"chartkeeper/store"
)

// countChanges is the change feed position: nothing stored means no change.
func countChanges(t *testing.T, st *store.Store) uint64 {
	var n uint64
	if err := st.View(func(tx *store.Tx) error { n = tx.LastChange(); return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestValidationStoresNothing(t *testing.T) {
	p := newPractice(t)
	pt := p.patient("Müller-Lüdenscheidt", "Jürgen", "1965-11-23")
	before := countChanges(t, p.st)

	s := p.as(store.RoleFrontDesk)
	_, _, err := s.RegisterPatient(Patient{Family: "Zukunft", Given: "Test", DOB: "2026-05-15", Sex: Female})
	wantField(t, err, "birth date", "is in the future")
	_, _, err = s.RegisterPatient(Patient{Given: "Test", DOB: "1990-13-01", Sex: "robot", Phone: "call me"})
	wantField(t, err, "family name", "is required")
	wantField(t, err, "birth date", "YYYY-MM-DD")
	wantField(t, err, "sex", "female, male, other or unknown")
	wantField(t, err, "phone", "phone number")

	s = p.as(store.RoleClinician)
	err = s.Save(&Vitals{Meta: Meta{Patient: pt.ID}, Taken: p.clk.now(), Systolic: 120, Diastolic: 130, Pulse: 400, TempC: 52, SpO2: 101})
	wantField(t, err, "diastolic pressure", "lower than the systolic")
	wantField(t, err, "pulse", "400 beats per minute is not possible")
	wantField(t, err, "temperature", "not possible")
	wantField(t, err, "SpO2", "not possible")
	err = s.Save(&Vitals{Meta: Meta{Patient: pt.ID}, Taken: p.clk.now(), Systolic: 120})
	wantField(t, err, "blood pressure", "both")
	err = s.Save(&Vitals{Meta: Meta{Patient: pt.ID}, Taken: p.clk.now().Add(time.Hour), Pulse: 70})
	wantField(t, err, "taken", "future")
	err = s.Save(&Problem{Meta: Meta{Patient: pt.ID}, Code: "E11-9X", Description: "Diabetes"})
	wantField(t, err, "code", "not an ICD-10-CM code")
	err = s.Save(&Medication{Meta: Meta{Patient: pt.ID}, Name: "Metformin", Route: "by telepathy", Start: "2026-01-10", Stop: "2025-12-01"})
	wantField(t, err, "route", "must be one of")
	wantField(t, err, "stop", "before the start")
	err = s.Save(&Allergy{Meta: Meta{Patient: pt.ID}, Severity: "deadly"})
	wantField(t, err, "substance", "is required")
	wantField(t, err, "severity", "mild, moderate, severe, unknown")
	err = s.Save(&Immunization{Meta: Meta{Patient: pt.ID}, Vaccine: "Test vaccine", Date: "2027-01-01"})
	wantField(t, err, "date", "future")
	v := Visit{Meta: Meta{Patient: pt.ID}, Date: "2026-05-01", Diagnoses: []Diagnosis{{Code: "J20.9"}, {Code: "I10"}}}
	err = s.SaveVisit(&v)
	wantField(t, err, "reason", "is required")
	wantField(t, err, "diagnoses", "exactly one diagnosis must be the primary one (0 are)")

	if after := countChanges(t, p.st); after != before {
		t.Errorf("refused records changed the store: feed %d -> %d", before, after)
	}

	// valid vitals: BMI derived
	vit := Vitals{Meta: Meta{Patient: pt.ID}, Taken: p.clk.now(), Systolic: 128, Diastolic: 82, WeightKg: 70, HeightCm: 175}
	if err := s.Save(&vit); err != nil {
		t.Fatal(err)
	}
	if vit.BMI() != 22.9 {
		t.Errorf("BMI %v, want 22.9", vit.BMI())
	}
}

func TestSignedVisitIsImmutableAndAmendmentsKeepIt(t *testing.T) {
	p := newPractice(t)
	pt := p.patient("Иванова-Тестова", "Мария", "1950-01-31")
	v := p.visit(pt, "2026-05-13")
	s := p.as(store.RoleClinician)
	v.Plan = "Fluids, review in 7 days."
	if err := s.SaveVisit(&v); err != nil {
		t.Fatal(err)
	}
	stale := v.Rev
	signed, err := s.SignVisit(v.ID, v.Rev)
	if err != nil {
		t.Fatal(err)
	}
	if !signed.Signed || signed.SignedBy != "Test Doc" {
		t.Errorf("signed: %+v", signed)
	}
	if _, err := s.SignVisit(v.ID, signed.Rev); !errors.Is(err, ErrSigned) {
		t.Errorf("second signature: %v", err)
	}
	signed.Plan = "Changed afterwards"
	if err := s.SaveVisit(&signed); !errors.Is(err, ErrSigned) {
		t.Errorf("edit after signing: %v", err)
	}
	v.Rev = stale
	if err := s.SaveVisit(&v); !errors.Is(err, ErrSigned) {
		t.Errorf("edit from a stale copy: %v", err)
	}
	p.as(store.RoleHIM)
	if err := p.svc.DeleteRecord(v.ID, "test"); !errors.Is(err, ErrSigned) {
		t.Errorf("deleting a signed visit: %v", err)
	}
	s = p.as(store.RoleClinician)
	if _, err := s.AmendVisit(v.ID, "", ""); err == nil {
		t.Error("empty amendment accepted")
	}
	a, err := s.AmendVisit(v.ID, "Review in 7 days, not 10.", "Plan misstated")
	if err != nil {
		t.Fatal(err)
	}
	// coding after signing is allowed, and keeps the note
	s = p.as(store.RoleCoder)
	coded, err := s.SetVisitCodes(v.ID, signed.Rev, []Diagnosis{{Code: "j209", Primary: true}}, []Procedure{{Description: "Auscultation"}})
	if err != nil {
		t.Fatal(err)
	}
	if coded.Diagnoses[0].Code != "J209" || coded.Plan != "Fluids, review in 7 days." || !coded.Signed {
		t.Errorf("coded visit: %+v", coded)
	}
	c, err := p.as(store.RoleClinician).OpenChart(pt.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Visits) != 1 || c.Visits[0].Plan != "Fluids, review in 7 days." {
		t.Fatalf("visit changed: %+v", c.Visits)
	}
	am := c.AmendmentsOf(v.ID)
	if len(am) != 1 || am[0].ID != a.ID || am[0].Text != "Review in 7 days, not 10." || am[0].Author != "Test Doc" {
		t.Errorf("amendments: %+v", am)
	}
	hist, err := p.st.History(v.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 4 { // created, edited, signed, coded
		t.Errorf("history has %d revisions, want 4", len(hist))
	}
	// an unsigned visit cannot be amended
	u := p.visit(pt, "2026-05-14")
	if _, err := p.as(store.RoleClinician).AmendVisit(u.ID, "x", "y"); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("amending an unsigned visit: %v", err)
	}
	p.wantAudit("doc visit.sign " + pt.ID)
	p.wantAudit("doc visit.amend " + pt.ID)
	p.wantAudit("coder visit.code " + pt.ID)
}

func TestCodeTableImport(t *testing.T) {
	p := newPractice(t)
	pt := p.patient("Testsson", "Åsa", "1988-08-08")
	f, err := os.Open("icd10/testdata/icd10cm-codes-test.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := p.as(store.RoleClinician).ImportCodes(f, "test"); !errors.Is(err, store.ErrPermission) {
		t.Fatalf("clinician imported codes: %v", err)
	}
	f.Seek(0, 0)
	n, err := p.as(store.RoleHIM).ImportCodes(f, "icd10cm-codes-test.txt")
	if err != nil || n < 10 {
		t.Fatalf("import: %d, %v", n, err)
	}
	s := p.as(store.RoleClinician)
	err = s.Save(&Problem{Meta: Meta{Patient: pt.ID}, Code: "Z99.999", Description: "Not a code"})
	wantField(t, err, "code", "not in the imported ICD-10-CM code table")
	pr := Problem{Meta: Meta{Patient: pt.ID}, Code: "E11.9"}
	if err := s.Save(&pr); err != nil {
		t.Fatal(err)
	}
	if pr.Description == "" {
		t.Error("description not filled in from the table")
	}
	if hits := s.SearchCodes("diabetes", 5); len(hits) == 0 {
		t.Error("no code found by words")
	}
	// a fresh service reads the table back from the store
	svc2, err := Open(p.st)
	if err != nil {
		t.Fatal(err)
	}
	if svc2.codeTable() == nil || svc2.codeTable().Len() != n {
		t.Error("table not read back")
	}
}

// TestBreakGlass: break-glass opens only what the user's keys reach. The
// clinical chart is sealed under the clinical key, which a front desk
// user's slot does not hold, so break-glass is refused with a plain
// message, and nothing is written.
func TestBreakGlass(t *testing.T) {
	p := newPractice(t)
	pt := p.patient("Testdóttir", "Guðrún", "1999-09-09")
	p.as(store.RoleClinician)
	if err := p.svc.Save(&Allergy{Meta: Meta{Patient: pt.ID}, Substance: "Latex", Severity: "moderate"}); err != nil {
		t.Fatal(err)
	}
	s := p.as(store.RoleFrontDesk)
	c, err := s.OpenChart(pt.ID)
	if err != nil {
		t.Fatal(err)
	}
	if c.Allergies != nil || len(c.Hidden) == 0 {
		t.Fatalf("front desk saw the clinical chart: %+v", c)
	}
	if _, err := s.OpenBreakGlass(pt.ID, " "); err == nil {
		t.Fatal("break-glass without a reason")
	}
	before := lastChange(t, p.st)
	_, err = s.OpenBreakGlass(pt.ID, "Patient collapsed in the waiting room; ambulance asks for allergies")
	if !errors.Is(err, store.ErrPermission) || !strings.Contains(err.Error(), "break-glass opens only what your keys reach") {
		t.Fatalf("front desk break-glass: %v", err)
	}
	if lastChange(t, p.st) != before {
		t.Error("a refused break-glass wrote to the store")
	}
	c, err = s.OpenChart(pt.ID)
	if err != nil || c.Allergies != nil || c.BreakGlass {
		t.Fatalf("the chart opened after a refused break-glass: %+v %v", c, err)
	}
	if todo, err := p.as(store.RoleHIM).BreakGlassToReview(); err != nil || len(todo) != 0 {
		t.Fatalf("review list: %+v %v", todo, err)
	}
}

func lastChange(t *testing.T, st *store.Store) uint64 {
	t.Helper()
	var n uint64
	if err := st.View(func(tx *store.Tx) error { n = tx.LastChange(); return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestEveryViewAndChangeIsAudited(t *testing.T) {
	p := newPractice(t)
	pt := p.patient("Ng", "Test", "2000-02-29")
	p.wantAudit("admin patient.create " + pt.ID)
	s := p.as(store.RoleFrontDesk)
	if _, err := s.Patient(pt.ID); err != nil {
		t.Fatal(err)
	}
	p.wantAudit("desk patient.view " + pt.ID)
	pt.Preferred = "Testy"
	if _, err := s.UpdatePatient(pt); err != nil {
		t.Fatal(err)
	}
	p.wantAudit("desk patient.update " + pt.ID)
	s = p.as(store.RoleClinician)
	med := Medication{Meta: Meta{Patient: pt.ID}, Name: "Testamycin", Dose: "5 mg", Route: "oral", Frequency: "daily", Start: "2026-01-01"}
	if err := s.Save(&med); err != nil {
		t.Fatal(err)
	}
	p.wantAudit("doc medication.create " + pt.ID)
	med.Stop = "2026-05-01"
	if err := s.Save(&med); err != nil {
		t.Fatal(err)
	}
	p.wantAudit("doc medication.update " + pt.ID)
	if _, err := s.OpenChart(pt.ID); err != nil {
		t.Fatal(err)
	}
	p.wantAudit("doc chart.view " + pt.ID)
	d, err := s.AddDocument(bytes.NewReader([]byte("letter")), Document{Meta: Meta{Patient: pt.ID}, Category: "letter", ClinicalDate: "2026-05-02", ContentType: "text/plain"})
	if err != nil {
		t.Fatal(err)
	}
	p.wantAudit("doc document.file " + pt.ID)
	if err := readDoc(s, d.ID); err != nil {
		t.Fatal(err)
	}
	p.wantAudit("doc document.view " + pt.ID)
	if err := s.Print(PrintSummary, pt.ID, &Disclosure{Recipient: "Dr Test Referral", Purpose: "referral"}); err != nil {
		t.Fatal(err)
	}
	p.wantAudit("doc print.summary " + pt.ID)
	p.wantAudit("doc disclosure " + pt.ID)
	ds, err := p.as(store.RoleHIM).Disclosures(pt.ID)
	if err != nil || len(ds) != 1 || ds[0].Recipient != "Dr Test Referral" || ds[0].By != "doc" || ds[0].What != "summary" {
		t.Errorf("disclosures: %+v %v", ds, err)
	}
	var lines []AuditEntry
	if err := p.svc.Audit(pt.ID, func(e AuditEntry) error { lines = append(lines, e); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(lines) < 9 {
		t.Errorf("audit for the patient has %d entries", len(lines))
	}
	for _, l := range lines {
		if l.Subject != pt.ID || l.MRN != pt.MRN || l.Username == "" {
			t.Errorf("audit entry %+v", l)
		}
	}
}

func TestWriteToMissingPatient(t *testing.T) {
	p := newPractice(t)
	err := p.as(store.RoleClinician).Save(&Problem{Meta: Meta{Patient: "0123456789abcdef0123456789abcdef"}, Description: "x"})
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("got %v", err)
	}
}

// TestNothingReadableOnDisk registers a chart full of marker strings and
// looks for them in every file of the data folder.
func TestNothingReadableOnDisk(t *testing.T) {
	p := newPractice(t)
	pt := p.patient("Zqxmarkerfamily", "Zqxmarkergiven", "1961-06-06")
	v := p.visit(pt, "2026-05-01")
	s := p.as(store.RoleClinician)
	v.Assessment = "Zqxmarkerdiagnosis"
	if err := s.SaveVisit(&v); err != nil {
		t.Fatal(err)
	}
	if _, err := p.as(store.RoleHIM).OpenBreakGlass(pt.ID, "Zqxmarkerreason"); err != nil {
		t.Fatal(err)
	}
	s = p.as(store.RoleClinician)
	if _, err := s.AddDocument(bytes.NewReader([]byte("Zqxmarkerdocument")), Document{Meta: Meta{Patient: pt.ID}, Category: "lab", ClinicalDate: "2026-05-01", ContentType: "text/plain", Title: "Zqxmarkertitle"}); err != nil {
		t.Fatal(err)
	}
	p.st.Close()
	entries, err := os.ReadDir(p.st.Dir())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		raw, err := os.ReadFile(p.st.Dir() + "/" + e.Name())
		if err != nil {
			t.Fatal(err)
		}
		for _, marker := range []string{"Zqxmarker", "zqxmarker", pt.MRN} {
			if bytes.Contains(raw, []byte(marker)) {
				t.Errorf("%s contains %q in the clear", e.Name(), marker)
			}
		}
	}
}

func TestCheckPatient(t *testing.T) {
	p := newPractice(t)
	s := p.as(store.RoleFrontDesk)
	wantField(t, s.CheckPatient(Patient{Family: "Test", Given: "Future", DOB: "2030-01-01"}), "birth date", "is in the future")
	if err := s.CheckPatient(Patient{Family: "Test", Given: "Fine", DOB: "2001-02-03"}); err != nil {
		t.Errorf("valid patient: %v", err)
	}
	if err := p.as(store.RoleCoder).CheckPatient(Patient{Family: "Test", Given: "Fine", DOB: "2001-02-03"}); !errors.Is(err, store.ErrPermission) {
		t.Errorf("coder: %v", err)
	}
	if hits, _ := p.svc.Find("fine", 10); len(hits) != 0 {
		t.Error("CheckPatient stored the patient")
	}
}
