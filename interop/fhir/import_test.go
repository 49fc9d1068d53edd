package fhir_test

import (
	"bytes"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"chartkeeper/chart"
	"chartkeeper/interop/fhir"
	"chartkeeper/store"
)

// TestImportOtherSystemsBundle imports a transaction bundle written the way
// other EHRs and synthetic-patient generators write them (testdata; it
// passes the R4 schema): urn:uuid and Patient/id references, SNOMED and
// ICD-10-CM conditions, vital signs in US units, resources Chartkeeper does
// not keep.
func TestImportOtherSystemsBundle(t *testing.T) {
	raw, err := os.ReadFile("testdata/other-ehr-transaction.json")
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := fhir.Parse(bytes.NewReader(raw), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(parsed.Charts) != 2 {
		t.Fatalf("%d charts", len(parsed.Charts))
	}
	c := parsed.Charts[0]
	p := c.Patient
	if p.Family != "Testperson123" || p.Given != "Alexa456 Jo" || p.DOB != "1961-04-12" || p.Sex != chart.Female || p.Phone != "555-867-5309" {
		t.Errorf("patient %+v", p)
	}
	if p.Address.Line != "123 Test Street, Unit 4" || p.Address.Region != "Massachusetts" || p.Language != "English (United States)" {
		t.Errorf("address or language %+v %q", p.Address, p.Language)
	}
	ids := map[string]string{}
	for _, id := range p.Identifiers {
		ids[id.System] = id.Value
	}
	if ids["previous-mrn"] != "MR-4711" || ids["national-id"] != "999-12-3456" || ids["driver-licence"] != "S99912345" {
		t.Errorf("identifiers %v", ids)
	}
	if len(c.Visits) != 1 {
		t.Fatalf("visits %+v", c.Visits)
	}
	v := c.Visits[0]
	if v.Date != "2019-03-04" || v.Reason != "General examination of patient (procedure)" || v.Clinician != "Dr. Testdoc" || v.Signed {
		t.Errorf("visit %+v", v.Visit)
	}
	if len(v.Diagnoses) != 1 || v.Diagnoses[0].Code != "J01.90" || !v.Diagnoses[0].Primary {
		t.Errorf("visit diagnoses %+v", v.Diagnoses)
	}
	if len(c.Problems) != 2 {
		t.Fatalf("problems %+v", c.Problems)
	}
	sinusitis, htn := c.Problems[0], c.Problems[1]
	if sinusitis.Description != "Viral sinusitis (disorder)" || sinusitis.Status != "resolved" || sinusitis.Onset != "2019-03-04" || sinusitis.Note != "" ||
		len(sinusitis.Codings) != 1 || sinusitis.Codings[0] != (chart.Coding{System: "http://snomed.info/sct", Code: "444814009", Display: "Viral sinusitis (disorder)"}) {
		t.Errorf("SNOMED problem %+v", sinusitis)
	}
	if htn.Code != "I10" || htn.Description != "Essential (primary) hypertension" || htn.Onset != "2001" {
		t.Errorf("ICD-10 problem %+v", htn)
	}
	if len(c.Vitals) != 1 {
		t.Fatalf("vitals %+v", c.Vitals)
	}
	vs := c.Vitals[0] // 09:15 -05:00 and 14:15Z are the same moment: one set
	if vs.Systolic != 127 || vs.Diastolic != 81 || vs.Pulse != 66 || vs.WeightKg != 68.0 || vs.HeightCm != 162.6 || vs.TempC != 37 || vs.SpO2 != 98 {
		t.Errorf("vital signs %+v", vs)
	}
	noCodings := func(m chart.Medication) chart.Medication { m.Codings = nil; return m }
	if len(c.Medications) != 3 || !reflect.DeepEqual(noCodings(c.Medications[2]), chart.Medication{Name: "24 HR Metformin hydrochloride 500 MG Extended Release Oral Tablet", Dose: "1", Start: "2018-05-06", Ordered: true}) {
		t.Errorf("medication from a MedicationRequest %+v", c.Medications)
	}
	if len(c.Medications) < 2 || !reflect.DeepEqual(noCodings(c.Medications[1]), chart.Medication{Name: "Amoxicillin 250 MG Oral Capsule", Dose: "1 capsule", Route: "oral",
		Frequency: "three times daily", Start: "2019-03-04", Stop: "2019-03-14"}) {
		t.Errorf("medications %+v", c.Medications)
	}
	if len(c.Medications) == 3 && (c.Medications[0].Status != "stopped" || c.Medications[0].Active(time.Now())) {
		t.Errorf("a stopped prescription without an end is kept as not current: %+v", c.Medications[0])
	}
	if len(c.Immunizations) != 1 || c.Immunizations[0].Date != "2019-03-04" || c.Immunizations[0].Dose != "2" {
		t.Errorf("immunizations %+v", c.Immunizations)
	}
	if len(c.Allergies) != 1 || c.Allergies[0].Substance != "Latex allergy" || c.Allergies[0].Reaction != "Wheal (finding); Skin rash" || c.Allergies[0].Severity != "moderate" ||
		len(c.Allergies[0].ReactionCodings) != 1 || c.Allergies[0].ReactionCodings[0].Code != "247472004" {
		t.Errorf("allergies %+v", c.Allergies)
	}
	if len(c.Documents) != 1 || c.Documents[0].Category != "clinical" || c.Documents[0].Title != "History and physical note" ||
		c.Documents[0].ClinicalDate != "2019-03-04" || !strings.HasPrefix(string(c.Documents[0].Content), "Test note") {
		t.Errorf("documents %+v", c.Documents)
	}
	for _, entry := range []string{"entry 13 (Observation)", "entry 15 (Observation)", "entry 16 (MedicationRequest)"} {
		for _, s := range parsed.Skipped {
			if s.Resource == entry {
				t.Errorf("%s is skipped (%s); it is kept now", entry, s.Reason)
			}
		}
	}
	if vs.RespRate == 0 || len(c.Results) != 1 {
		t.Errorf("respiratory rate %d, results %+v", vs.RespRate, c.Results)
	}
	child := parsed.Charts[1]
	if child.Patient.Family != "Testchild" || child.Patient.Given != "Robin" || len(child.Allergies) != 1 {
		t.Errorf("second patient %+v, allergies %+v", child.Patient, child.Allergies)
	}

	skipped := map[string]string{}
	for _, s := range parsed.Skipped {
		skipped[s.Resource] = s.Reason
	}
	for entry, reason := range map[string]string{
		"entry 2 (Organization)":       "describe the other system",
		"entry 3 (Practitioner)":       "describe the other system",
		"entry 19 (Immunization)":      "not-done",
		"entry 22 (DocumentReference)": "not inside the bundle",
		"entry 23 (CareTeam)":          "care teams",
		"entry 24 (Procedure)":         "does not say what was done",
	} {
		if !strings.Contains(skipped[entry], reason) {
			t.Errorf("%s: skipped for %q, want a reason saying %q", entry, skipped[entry], reason)
		}
	}

	// and it stores: two patients, each with its chart
	prac := newPractice(t)
	rep, err := fhir.ImportParsed(parsed, prac.as(store.RoleHIM), fhir.ImportOptions{Source: "test bundle"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Imported() != 2 {
		t.Fatalf("imported %d", rep.Imported())
	}
	ch, err := prac.svc.OpenChart(rep.Patients[0].Patient.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(ch.Visits) != 1 || len(ch.Problems) != 2 || len(ch.Vitals) != 1 || len(ch.Documents) != 1 || ch.Visits[0].Diagnoses[0].Code != "J0190" {
		t.Errorf("stored chart: %d visits, %d problems, %d vitals, %d documents", len(ch.Visits), len(ch.Problems), len(ch.Vitals), len(ch.Documents))
	}
}

// TestImportDuplicates: a patient who looks like one already registered
// stops the import unless duplicates are allowed; a dry run stores nothing.
func TestImportDuplicates(t *testing.T) {
	raw, err := os.ReadFile("testdata/other-ehr-transaction.json")
	if err != nil {
		t.Fatal(err)
	}
	p := newPractice(t)
	svc := p.as(store.RoleHIM)
	if _, _, err := svc.RegisterPatient(chart.Patient{Family: "Testperson123", Given: "Alexa456", DOB: "1961-04-12", Sex: chart.Female}); err != nil {
		t.Fatal(err)
	}
	before := p.lastChange()
	rep, err := fhir.Import(bytes.NewReader(raw), svc, fhir.ImportOptions{})
	if err != fhir.ErrDuplicates {
		t.Fatalf("import: %v", err)
	}
	if len(rep.Patients[0].Duplicates) != 1 || len(rep.Patients[1].Duplicates) != 0 {
		t.Errorf("duplicates: %+v", rep.Patients)
	}
	if _, err := fhir.Import(bytes.NewReader(raw), svc, fhir.ImportOptions{DryRun: true, AllowDuplicates: true}); err != nil {
		t.Fatal(err)
	}
	if p.lastChange() != before {
		t.Fatal("a refused import or a dry run changed the store")
	}
	rep, err = fhir.Import(bytes.NewReader(raw), svc, fhir.ImportOptions{AllowDuplicates: true})
	if err != nil || rep.Imported() != 2 {
		t.Fatalf("import with duplicates allowed: %v", err)
	}
	found := false
	if err := svc.Audit(rep.Patients[0].Patient.ID, func(e chart.AuditEntry) error {
		found = found || e.Action == "patient.import" && strings.Contains(e.Detail, "despite 1 likely duplicate")
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !found {
		t.Error("the audit log does not say the patient was imported despite a likely duplicate")
	}
}
