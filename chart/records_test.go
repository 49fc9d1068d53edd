package chart

import (
	"testing"
	"time"

	"chartkeeper/store"
)

// TestRecordDeath: clinicians and HIM managers record a death with its
// date, front desk staff may not; the age stops there; editing the
// demographics keeps it; a date before birth or in the future is refused.
func TestRecordDeath(t *testing.T) {
	p := newPractice(t)
	pt := p.patient("Testmortová", "Ilse", "1940-02-10")
	if _, err := p.as(store.RoleFrontDesk).RecordDeath(pt.ID, pt.Rev, true, "2021-03-04"); err == nil {
		t.Fatal("front desk staff recorded a death")
	}
	_, err := p.as(store.RoleClinician).RecordDeath(pt.ID, pt.Rev, true, "1939-01-01")
	wantField(t, err, "date of death", "before the birth date")
	_, err = p.svc.RecordDeath(pt.ID, pt.Rev, true, "2030-01-01")
	wantField(t, err, "date of death", "in the future")
	got, err := p.svc.RecordDeath(pt.ID, pt.Rev, true, "2021-03-04")
	if err != nil {
		t.Fatal(err)
	}
	p.wantAudit("doc patient.death " + pt.ID)
	if got.DeathText() != "Died 2021-03-04" || got.AgeText(p.clk.now()) != "81 years" {
		t.Errorf("death %q, age %q", got.DeathText(), got.AgeText(p.clk.now()))
	}
	if s, _ := p.svc.Summary(pt.ID); s.AgeText(p.clk.now()) != "81 years" || s.DeceasedDate != "2021-03-04" {
		t.Errorf("list line %+v", s)
	}
	// an edit of the demographics (a form that knows nothing of deaths) keeps it
	edit := got
	edit.Deceased, edit.DeceasedDate, edit.Phone = false, "", "+1 555 0100 9999"
	if edit, err = p.as(store.RoleFrontDesk).UpdatePatient(edit); err != nil {
		t.Fatal(err)
	}
	if again, _ := p.svc.Patient(pt.ID); !again.Deceased || again.DeceasedDate != "2021-03-04" {
		t.Errorf("editing the demographics lost the death: %+v", again)
	}
	// an HIM manager undoes a death recorded in error; no date without a death
	if _, err := p.as(store.RoleHIM).RecordDeath(pt.ID, edit.Rev, false, "2021-03-04"); err == nil {
		t.Error("a date of death was kept for a patient recorded as alive")
	}
	alive, err := p.svc.RecordDeath(pt.ID, edit.Rev, false, "")
	if err != nil || alive.Deceased || alive.AgeText(p.clk.now()) != "86 years" {
		t.Errorf("undone: %+v, %v", alive, err)
	}
	// without a date: deceased, no age
	unknown, err := p.svc.RecordDeath(pt.ID, alive.Rev, true, "")
	if err != nil || unknown.DeathText() != "Deceased" || unknown.AgeText(p.clk.now()) != "" {
		t.Errorf("no date: %q %q %v", unknown.DeathText(), unknown.AgeText(p.clk.now()), err)
	}
}

// TestResultsProceduresReports: the new record types save, validate, open
// in the chart newest first, and a result's flag comes from its range
// unless the sender gave one.
func TestResultsProceduresReports(t *testing.T) {
	p := newPractice(t)
	pt := p.patient("Testlabová", "Rita", "1970-06-01")
	svc := p.as(store.RoleClinician)
	now := p.clk.now()
	high := &Result{Meta: Meta{Patient: pt.ID}, Taken: now.Add(-time.Hour), Name: "Glucose", Category: "laboratory", Value: "7.80", Unit: "mmol/L", Low: "3.9", High: "5.5",
		Codings: []Coding{{System: "http://loinc.org", Code: "2339-0", Display: "Glucose [Mass/volume] in Blood"}}}
	given := &Result{Meta: Meta{Patient: pt.ID}, Taken: now.Add(-2 * time.Hour), Name: "Potassium", Value: "4.1", Low: "3.5", High: "5.1", Flag: "A", FlagFromSender: true}
	words := &Result{Meta: Meta{Patient: pt.ID}, Taken: now.Add(-3 * time.Hour), Name: "Tobacco smoking status", Category: "social-history", Text: "Never smoked"}
	for _, r := range []*Result{high, given, words} {
		if err := svc.Save(r); err != nil {
			t.Fatal(err)
		}
	}
	if high.Flag != FlagHigh || given.Flag != "A" || words.Flag != "" || words.Category != "social-history" || given.Category != "other" {
		t.Errorf("flags %q %q %q", high.Flag, given.Flag, words.Flag)
	}
	err := svc.Save(&Result{Meta: Meta{Patient: pt.ID}, Taken: now, Name: "Bad", Value: "12,5"})
	wantField(t, err, "value", "not a number")
	err = svc.Save(&Result{Meta: Meta{Patient: pt.ID}, Taken: now, Name: "Bad", Category: "astrology"})
	wantField(t, err, "category", "must be one of")
	proc := &ProcedureRecord{Meta: Meta{Patient: pt.ID}, Date: "2025-02-03", Text: "Colonoscopy",
		Codings: []Coding{{System: "http://snomed.info/sct", Code: "73761001", Display: "Colonoscopy"}}}
	if err := svc.Save(proc); err != nil || proc.Status != "completed" {
		t.Fatalf("procedure %+v: %v", proc, err)
	}
	err = svc.Save(&ProcedureRecord{Meta: Meta{Patient: pt.ID}, Text: "No date"})
	wantField(t, err, "date", "is required")
	goal := &Report{Meta: Meta{Patient: pt.ID}, Kind: ReportGoal, Title: "HbA1c below 7%", Status: "active"}
	plan := &Report{Meta: Meta{Patient: pt.ID}, Kind: ReportCarePlan, Date: "2025-01-01", Title: "Diabetes plan", Status: "active",
		Items: []ReportItem{{Text: "Diabetic diet", Status: "in-progress"}}}
	for _, r := range []*Report{goal, plan} {
		if err := svc.Save(r); err != nil {
			t.Fatal(err)
		}
	}
	err = svc.Save(&Report{Meta: Meta{Patient: pt.ID}, Kind: ReportDiagnostic, Title: "Lab panel", Status: "final"})
	wantField(t, err, "date", "is required")
	c, err := svc.OpenChart(pt.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Results) != 3 || c.Results[0].Name != "Glucose" || c.Results[2].Name != "Tobacco smoking status" ||
		len(c.Procedures) != 1 || len(c.Procedures[0].Codings) != 1 || len(c.Reports) != 2 || c.Reports[0].Title != "Diabetes plan" {
		t.Errorf("chart: results %+v, procedures %+v, reports %+v", c.Results, c.Procedures, c.Reports)
	}
	if c.Results[0].ValueText() != "7.80 mmol/L" || c.Results[0].RangeShown() != "3.9–5.5" {
		t.Errorf("shown as %q, range %q", c.Results[0].ValueText(), c.Results[0].RangeShown())
	}
	p.wantAudit("doc result.create " + pt.ID)
}

// TestPrecisionAndStatus: vital signs are stored at their unit's precision
// (no float noise); a stopped medication is not current even without an
// end date; a history visit from another system is signed as imported and
// not on the unsigned-notes worklist.
func TestPrecisionAndStatus(t *testing.T) {
	p := newPractice(t)
	pt := p.patient("Testrundová", "Vera", "1960-01-01")
	svc := p.as(store.RoleClinician)
	v := &Vitals{Meta: Meta{Patient: pt.ID}, Taken: p.clk.now(), WeightKg: 74.60000000000001, TempC: 37.300000000000004, HeightCm: 163.20000000000002}
	if err := svc.Save(v); err != nil {
		t.Fatal(err)
	}
	if v.WeightKg != 74.6 || v.TempC != 37.3 || v.HeightCm != 163.2 || Decimal(v.WeightKg, PlacesWeight) != "74.6" {
		t.Errorf("vitals %+v", v)
	}
	stopped := Medication{Name: "Simvastatin", Start: "2020-01-01", Status: "stopped"}
	if stopped.Active(p.clk.now()) {
		t.Error("a stopped medication is current")
	}
	him := p.as(store.RoleHIM)
	imp, err := him.ImportChart(ImportedChart{
		Patient: Patient{Family: "Testhistorie", Given: "Jan", DOB: "1950-01-01", Sex: Male, Deceased: true, DeceasedDate: "2020-02-02"},
		Visits:  []ImportedVisit{{Visit: Visit{Date: "2019-05-05", Reason: "Check up", Clinician: "Dr. Other System"}, History: true}},
		Results: []Result{{Taken: p.clk.now().Add(-time.Hour), Name: "Hemoglobin", Value: "13.5", Unit: "g/dL"}},
		Reports: []ImportedReport{{Report: Report{Kind: ReportDiagnostic, Date: "2019-05-05", Title: "CBC", Status: "final"}, Results: []int{0}}},
		Source:  "FHIR bundle old.json",
	}, "FHIR bundle old.json")
	if err != nil {
		t.Fatal(err)
	}
	c, err := him.OpenChart(imp.ID)
	if err != nil {
		t.Fatal(err)
	}
	hv := c.Visits[0]
	if !hv.Signed || hv.SignedBy != "Dr. Other System" || hv.ImportedLine() != "imported from FHIR bundle old.json on 2026-05-14" {
		t.Errorf("history visit %+v", hv)
	}
	if len(c.Reports) != 1 || len(c.Reports[0].Results) != 1 || c.Reports[0].Results[0] != c.Results[0].ID {
		t.Errorf("report's results %+v, results %+v", c.Reports, c.Results)
	}
	if c.Patient.DeceasedDate != "2020-02-02" {
		t.Errorf("patient %+v", c.Patient)
	}
	list, err := him.UnsignedVisits(0)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range list {
		if it.Visit.ID == hv.ID {
			t.Error("a history visit is on the unsigned-notes worklist")
		}
	}
}
