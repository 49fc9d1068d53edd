package fhir_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"chartkeeper/chart"
	"chartkeeper/interop/fhir"
	"chartkeeper/store"
)

// rich registers patients whose charts use every field the export maps:
// names in several scripts, identifiers, an emergency contact, a signed
// and amended visit with diagnoses and procedures, an unsigned one, full
// vital signs, and filed documents. It returns their IDs.
func (p *practice) rich() []string {
	t := p.t
	t.Helper()
	svc := p.as(store.RoleHIM)
	people := []chart.Patient{
		{Family: "Παπαδοπούλου-Τεστ", Given: "Ζωή Μαρία", Preferred: "Ζωούλα", DOB: "1979-09-21", Sex: chart.Female, Phone: "+30 555 0100 21",
			Identifiers: []chart.Identifier{{System: "national-id", Value: "TEST-123"}, {System: "insurance", Value: "INS 9/77"}},
			Address:     chart.Address{Line: "Οδός Δοκιμής 5", City: "Αθήνα", Region: "Attica", PostalCode: "10558", Country: "GR"},
			Emergency:   chart.Contact{Name: "Νίκος Τεστ", Relation: "brother", Phone: "+30 555 0199 00"}, Language: "Greek"},
		{Family: "テスト山田", Given: "花子", DOB: "2019-02-28", Sex: chart.Other},
		{Family: "Testov", Given: "Иван", DOB: "1950-12-01", Sex: chart.Unknown, Phone: "(555) 010-3344"},
	}
	var ids []string
	for _, pt := range people {
		reg, _, err := svc.RegisterPatient(pt)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, reg.ID)
	}
	svc = p.as(store.RoleClinician)
	pid := ids[0]
	for _, it := range []chart.Item{
		&chart.Problem{Meta: chart.Meta{Patient: pid}, Code: "E11.9", Description: "Type 2 diabetes mellitus without complications", Onset: "2015-06-01", Status: "active", Note: "diet first"},
		&chart.Problem{Meta: chart.Meta{Patient: pid}, Description: "Sprained ankle, test", Status: "resolved"},
		&chart.Allergy{Meta: chart.Meta{Patient: pid}, Substance: "Penicillin", Reaction: "hives, wheeze", Severity: "severe", Status: "active"},
		&chart.Allergy{Meta: chart.Meta{Patient: pid}, Substance: "Latex", Severity: "mild", Status: "inactive"},
		&chart.Allergy{Meta: chart.Meta{Patient: pid}, Substance: "Cat dander"},
		&chart.Medication{Meta: chart.Meta{Patient: pid}, Name: "Metformin", Dose: "500 mg", Route: "oral", Frequency: "twice daily", Start: "2015-06-01"},
		&chart.Medication{Meta: chart.Meta{Patient: pid}, Name: "Salbutamol", Dose: "1-2 puffs", Route: "inhaled", Frequency: "as needed", Start: "2020-01-01", Stop: "2020-02-01"},
		&chart.Vitals{Meta: chart.Meta{Patient: pid}, Taken: day, Systolic: 128, Diastolic: 82, Pulse: 71, TempC: 36.7, WeightKg: 72.35, HeightCm: 168.5, SpO2: 97},
		&chart.Vitals{Meta: chart.Meta{Patient: pid}, Taken: day.Add(-400 * 24 * time.Hour), WeightKg: 70.1},
		&chart.Immunization{Meta: chart.Meta{Patient: pid}, Vaccine: "Influenza, test", Date: "2024-10-02", Dose: "1 of 1", Lot: "LOT-77", Site: "left deltoid"},
		&chart.Vitals{Meta: chart.Meta{Patient: ids[1]}, Taken: day, Pulse: 120, TempC: 37.9, WeightKg: 14.2},
	} {
		if err := svc.Save(it); err != nil {
			t.Fatal(err)
		}
	}
	v := chart.Visit{Meta: chart.Meta{Patient: pid}, Date: "2025-11-03", Reason: "Review of diabetes, test",
		Subjective: "Feels well.\nNo hypoglycaemia.", Objective: "BP 128/82.", Assessment: "Stable.", Plan: "Continue metformin; HbA1c in 3 months.",
		Diagnoses:  []chart.Diagnosis{{Code: "E11.9", Primary: true}, {Code: "I10"}},
		Procedures: []chart.Procedure{{Code: "FOOT-1", Description: "Diabetic foot check"}}}
	if err := svc.SaveVisit(&v); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SignVisit(v.ID, v.Rev); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AmendVisit(v.ID, "HbA1c result 6.9 %, test.", "result arrived"); err != nil {
		t.Fatal(err)
	}
	u := chart.Visit{Meta: chart.Meta{Patient: pid}, Date: "2025-11-10", Reason: "Cough, test"}
	if err := svc.SaveVisit(&u); err != nil {
		t.Fatal(err)
	}
	svc = p.as(store.RoleFrontDesk)
	for i, d := range []chart.Document{
		{Meta: chart.Meta{Patient: pid}, Title: "Lab result, test", Category: "lab", ClinicalDate: "2025-11-05", Note: "scanned twice", ContentType: "application/pdf", Source: "scan-0001.pdf", Pages: 1},
		{Meta: chart.Meta{Patient: ids[2]}, Category: "identity", ClinicalDate: "2024-01-01", ContentType: "image/png", Source: "id.png"},
	} {
		if _, err := svc.AddDocument(bytes.NewReader(fmt.Appendf(nil, "%%PDF-1.4 test document %d\x00\xff", i)), d); err != nil {
			t.Fatal(err)
		}
	}
	return ids
}

// exportPractice exports the whole practice as the HIM manager.
func (p *practice) exportPractice() []byte {
	p.t.Helper()
	var buf bytes.Buffer
	if _, err := fhir.ExportPractice(&buf, p.as(store.RoleHIM)); err != nil {
		p.t.Fatal(err)
	}
	return buf.Bytes()
}

func TestExportValidatesAgainstTheR4Schema(t *testing.T) {
	p := newPractice(t)
	ids := p.rich()
	var bundles [][]byte
	svc := p.as(store.RoleClinician)
	for _, id := range ids {
		var buf bytes.Buffer
		st, err := fhir.ExportPatient(&buf, svc, id)
		if err != nil {
			t.Fatal(err)
		}
		if st.Patients != 1 || st.Resources < 1 {
			t.Errorf("export of one patient: %+v", st)
		}
		bundles = append(bundles, buf.Bytes())
	}
	bundles = append(bundles, p.exportPractice())

	d := newPractice(t)
	d.fill(12, 7)
	demoBundle := d.exportPractice()
	bundles = append(bundles, demoBundle)

	// and the other systems' bundle the import tests read is valid R4 too
	fixture, err := os.ReadFile("testdata/other-ehr-transaction.json")
	if err != nil {
		t.Fatal(err)
	}
	out, ok := validate(t, append(bundles, fixture)...)
	if !ok {
		t.Fatalf("the exported bundles do not validate against the FHIR R4 schema:\n%s", out)
	}
	t.Logf("validator:\n%s", out)

	// the export holds what the issue names, with vital signs by LOINC
	all := string(bundles[len(ids)]) + string(demoBundle)
	for _, want := range []string{`"resourceType":"Patient"`, `"resourceType":"Condition"`, `"resourceType":"AllergyIntolerance"`,
		`"resourceType":"MedicationStatement"`, `"resourceType":"Encounter"`, `"resourceType":"Observation"`,
		`"resourceType":"Immunization"`, `"resourceType":"DocumentReference"`,
		`"code":"85354-9"`, `"code":"8480-6"`, `"code":"8462-4"`, `"code":"8867-4"`, `"code":"8310-5"`,
		`"code":"29463-7"`, `"code":"8302-2"`, `"code":"39156-5"`, `"code":"59408-5"`, `"code":"E11.9"`,
		"Παπαδοπούλου-Τεστ", "テスト山田"} {
		if !strings.Contains(all, want) {
			t.Errorf("the export lacks %s", want)
		}
	}
}

// TestValidatorRejectsInvalidBundles shows the schema check can fail: each
// of these breaks one rule of the R4 schema.
func TestValidatorRejectsInvalidBundles(t *testing.T) {
	p := newPractice(t)
	ids := p.rich()
	var buf bytes.Buffer
	if _, err := fhir.ExportPatient(&buf, p.as(store.RoleClinician), ids[0]); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	breakages := []struct {
		name string
		edit func(b map[string]any)
	}{
		{"gender not in the value set", func(b map[string]any) { resource(b, "Patient")["gender"] = "woman" }},
		{"birth date not a date", func(b map[string]any) { resource(b, "Patient")["birthDate"] = "21.09.1979" }},
		{"an element FHIR does not have", func(b map[string]any) { resource(b, "Patient")["favouriteColour"] = "blue" }},
		{"an empty string", func(b map[string]any) { resource(b, "Encounter")["status"] = "" }},
		{"a required element missing", func(b map[string]any) { delete(resource(b, "Immunization"), "vaccineCode") }},
		{"a bundle type not in the value set", func(b map[string]any) { b["type"] = "pile" }},
		{"an observation without its code", func(b map[string]any) { delete(resource(b, "Observation"), "code") }},
	}
	bundles := [][]byte{good}
	for _, br := range breakages {
		var b map[string]any
		if err := json.Unmarshal(good, &b); err != nil {
			t.Fatal(err)
		}
		br.edit(b)
		bad, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		bundles = append(bundles, bad)
	}
	out, _ := validate(t, bundles...)
	lines := strings.Split(out, "\n")
	verdicts := []string{}
	for _, l := range lines {
		if strings.HasPrefix(l, "ok ") || strings.HasPrefix(l, "invalid ") {
			verdicts = append(verdicts, strings.Fields(l)[0])
		}
	}
	if len(verdicts) != len(bundles) {
		t.Fatalf("validator output:\n%s", out)
	}
	if verdicts[0] != "ok" {
		t.Errorf("the unbroken bundle failed:\n%s", out)
	}
	for i, br := range breakages {
		if verdicts[i+1] != "invalid" {
			t.Errorf("%s: the validator passed it", br.name)
		}
	}
}

// resource finds the first resource of a type in a decoded bundle.
func resource(b map[string]any, typ string) map[string]any {
	for _, e := range b["entry"].([]any) {
		r := e.(map[string]any)["resource"].(map[string]any)
		if r["resourceType"] == typ {
			return r
		}
	}
	panic("no " + typ)
}

func TestExportRolesAndAudit(t *testing.T) {
	p := newPractice(t)
	ids := p.rich()
	var buf bytes.Buffer
	for _, role := range []store.Role{store.RoleFrontDesk, store.RoleCoder} {
		if _, err := fhir.ExportPatient(&buf, p.as(role), ids[0]); !errors.Is(err, store.ErrPermission) {
			t.Errorf("%s exported a chart: %v", role, err)
		}
	}
	for _, role := range []store.Role{store.RoleClinician, store.RoleFrontDesk, store.RoleCoder} {
		if _, err := fhir.ExportPractice(&buf, p.as(role)); !errors.Is(err, store.ErrPermission) {
			t.Errorf("%s exported the practice: %v", role, err)
		}
	}
	p.exportPractice()
	var actions []string
	if err := p.as(store.RoleHIM).Audit("", func(e chart.AuditEntry) error {
		actions = append(actions, e.Action)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(actions, " ")
	for _, want := range []string{"export.practice", "print.export", "chart.view", "document.view"} {
		if !strings.Contains(joined, want) {
			t.Errorf("the audit log lacks %s", want)
		}
	}
}
