package report_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"chartkeeper/chart"
	"chartkeeper/report"
)

// importedChart is a chart as an import from another system leaves it: a
// deceased patient, a finished visit kept as history, measurements with
// float noise from unit conversions, results, procedures and reports.
func importedChart(t testing.TB) *chart.Chart {
	p := patient(t, "Testdeadová", "Olga")
	p.Deceased, p.DeceasedDate = true, "2021-03-04"
	taken := time.Date(2020, 5, 6, 9, 30, 0, 0, time.UTC)
	visit := chart.Visit{Meta: chart.Meta{ID: p.ID + ".v1", Patient: p.ID}, Date: "2020-05-06", Clinician: "Dr. Testa Synthea", Reason: "Encounter for check up",
		Signed: true, SignedBy: "Dr. Testa Synthea", SignedAt: printedAt, ImportedFrom: "FHIR bundle old-ehr.json", ImportedAt: printedAt}
	return &chart.Chart{
		Patient: p,
		Visits:  []chart.Visit{visit},
		Vitals: []chart.Vitals{{Meta: chart.Meta{ID: p.ID + ".x1"}, Taken: taken, WeightKg: 74.60000000000001, TempC: 37.300000000000004,
			HeightCm: 163.20000000000002, Systolic: 121, Diastolic: 79, Pulse: 71, RespRate: 14}},
		Results: []chart.Result{
			{Taken: taken, Name: "Hemoglobin A1c/Hemoglobin.total in Blood", Category: "laboratory", Value: "6.40", Unit: "%", Low: "4.0", High: "5.6", Flag: "H"},
			{Taken: taken, Name: "Tobacco smoking status", Category: "social-history", Text: "Never smoked tobacco (finding)"},
		},
		Procedures: []chart.ProcedureRecord{{Date: "2019-02-01", Text: "Colonoscopy", Status: "completed"}},
		Reports:    []chart.Report{{Kind: chart.ReportCarePlan, Date: "2019-01-01", Title: "Diabetes self management plan", Status: "active"}},
	}
}

// TestImportedChartPrints: the summary and the visit note of an imported
// chart say when the patient died (in every page's header too), stop the
// age there, call imported visits imported (not NOT SIGNED), print
// measurements at their unit's precision and list results, procedures and
// reports.
func TestImportedChartPrints(t *testing.T) {
	c := importedChart(t)
	pdf, _ := summaryPDF(t, c, 0)
	ps := pages(t, pdf)
	all := strings.Join(ps, "\n")
	for i, pg := range ps {
		if !strings.Contains(pg, "Died 2021-03-04") {
			t.Errorf("page %d of the summary does not say the patient died:\n%s", i+1, pg)
		}
	}
	contains(t, "summary", all, "1984-03-09 (age 36)", "2021-03-04", "74.6", "37.3", "163.2", "121/79", "14",
		"Results", "Hemoglobin A1c", "6.40 %", "4.0–5.6", "Never smoked tobacco", "Procedures", "Colonoscopy",
		"Notes and reports", "Care plan", "Diabetes self management plan", "Imported from FHIR bundle old-ehr.json on 2026-11-24")
	for _, bad := range []string{"0000000", "NOT SIGNED", "age 42"} {
		if strings.Contains(all, bad) {
			t.Errorf("the summary says %q", bad)
		}
	}
	var buf bytes.Buffer
	if _, err := report.VisitNote(&buf, testPage(), c.Patient, c.Visits[0], nil); err != nil {
		t.Fatal(err)
	}
	note := strings.Join(pages(t, buf.Bytes()), "\n")
	contains(t, "visit note", note, "Died 2021-03-04", "Clinician: Dr. Testa Synthea", "Imported from FHIR bundle old-ehr.json on 2026-11-24")
	if strings.Contains(note, "NOT SIGNED") {
		t.Error("an imported visit prints as NOT SIGNED")
	}
}
