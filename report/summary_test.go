package report_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"chartkeeper/chart"
	"chartkeeper/report"
)

func summaryPDF(t testing.TB, c *chart.Chart, recent int) ([]byte, report.Warnings) {
	t.Helper()
	var buf bytes.Buffer
	ws, err := report.Summary(&buf, testPage(), c, recent)
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), ws
}

func TestSummaryContent(t *testing.T) {
	c := testChart(t, 3)
	c.BreakGlass = true
	c.Merged = []chart.Patient{{MRN: mrn(t, "1112223"), Family: "Testova", Given: "Zofie", DOB: "1984-03-09"}}
	pdf, ws := summaryPDF(t, c, 0)
	if len(ws) != 0 {
		t.Errorf("warnings for a chart every font draws: %q", ws)
	}
	ps := pages(t, pdf)
	furniture(t, ps, testPage(), c.Patient)
	all := strings.Join(ps, "\n")
	contains(t, "summary", all,
		"Patient summary", "break-glass", "flagged for review",
		"Merged record", "Testova, Zofie, MRN "+c.Merged[0].MRN+", born 1984-03-09",
		// allergies, boxed at the top
		"ALLERGIES AND INTOLERANCES", "Penicillin", "Anaphylaxis, throat swelling", "SEVERE", "Latex",
		// demographics and identifiers
		"Testová, Žofie", "1984-03-09 (age 42)", "female", "National ID", "TEST-000-111", "+420 555 010 203",
		"Testovací 12, 602 00 Brno, CZ", "Testový Adam (brother), +420 555 010 999",
		// problems with dotted codes
		"E11.9", "Type 2 diabetes mellitus without complications", "Diet-controlled until 2023", "J45.909", "resolved",
		// medications: current and stopped
		"Metformin", "500 mg", "twice daily", "current", "Salbutamol inhaler", "100 µg", "2020-06-30", "stopped",
		// vitals table
		"Taken", "BP mmHg", "SpO2 %", "2026-10-02 10:15", "128/82", "36.8", "25.7", "98",
		// visits, newest first
		"Reason-003 follow-up of diabetes", "Reason-001 follow-up of diabetes",
		"Subjective", "Visit 3. Feels well", "Objective", "Assessment", "Plan", "HbA1c in 3 months",
		"E11.9 Type 2 diabetes mellitus without complications (primary)", "Z79.84 Long term use of oral hypoglycemic drugs",
		"FOOT1 Diabetic foot examination",
		"NOT SIGNED", "Signed by Dr Ada Testwell at 2026-10-25 11:00",
		"Amendment", "Metformin dose was 850 mg, not 500 mg.", "Reason: Dose typed wrongly",
		// immunizations and documents
		"Tetanus-diphtheria (Td)", "TD-TEST-42", "left deltoid",
		"HbA1c result October", "Laboratory result", "Insurance card",
	)
	order := []string{"ALLERGIES AND INTOLERANCES", "Problems", "Medications", "Vitals", "Visits", "Immunizations", "Filed documents"}
	last := -1
	for _, s := range order {
		i := strings.Index(all, s)
		if i < last {
			t.Errorf("%q comes before the section it should follow", s)
		}
		last = i
	}
	if !strings.Contains(ps[0], "ALLERGIES AND INTOLERANCES") || !strings.Contains(ps[0], "Penicillin") {
		t.Error("allergies are not on the first page")
	}
	if strings.Index(all, "Reason-003") > strings.Index(all, "Reason-001") {
		t.Error("visits are not newest first")
	}
	if n := strings.Count(all, "Metformin dose was 850 mg"); n != 1 {
		t.Errorf("the amendment is printed %d times, want once (under its visit)", n)
	}
}

func TestSummaryRecentVisits(t *testing.T) {
	c := testChart(t, 12)
	pdf, _ := summaryPDF(t, c, 5)
	all := strings.Join(pages(t, pdf), "\n")
	for n := 12; n >= 1; n-- {
		printed := strings.Contains(all, fmt.Sprintf("Reason-%03d ", n))
		if printed != (n > 7) {
			t.Errorf("visit %d printed %v, want %v", n, printed, n > 7)
		}
	}
	contains(t, "summary", all, "Recent visits (5 of 12)", "7 older visits")
}

func TestSummaryHiddenSections(t *testing.T) {
	c := testChart(t, 2)
	c.Allergies, c.Problems, c.Medications, c.Visits, c.Amendments, c.Vitals, c.Immunizations = nil, nil, nil, nil, nil, nil, nil
	c.Documents = c.Documents[1:] // the insurance card only
	c.Hidden = []string{"clinical", "clinical documents"}
	pdf, _ := summaryPDF(t, c, 0)
	ps := pages(t, pdf)
	furniture(t, ps, testPage(), c.Patient)
	all := strings.Join(ps, "\n")
	if n := strings.Count(all, "Not shown for your role"); n < 7 {
		t.Errorf("%d sections say they are not shown, want 7 (allergies, problems, medications, vitals, visits, immunizations, clinical documents):\n%s", n, all)
	}
	contains(t, "summary", all, "Do not take this as \"no allergies\"", "Insurance card", "Clinical documents: Not shown for your role")
	for _, bad := range []string{"No allergies recorded", "None recorded"} {
		if strings.Contains(all, bad) {
			t.Errorf("a hidden section says %q", bad)
		}
	}
}

func TestSummaryEmptyChart(t *testing.T) {
	c := &chart.Chart{Patient: patient(t, "Prázdná", "Test")}
	pdf, _ := summaryPDF(t, c, 0)
	all := strings.Join(pages(t, pdf), "\n")
	contains(t, "summary", all, "Allergies not recorded.", "None recorded.", "None filed.")
}

// The allergy box says one of three things: the active allergies, "No
// known allergies" as a clinician recorded it, or that allergies were not
// recorded; an active allergy always wins over a "No known allergies".
func TestSummaryAllergyStates(t *testing.T) {
	at := time.Date(2026, 3, 2, 9, 40, 0, 0, time.UTC)
	nka := chart.NoKnownAllergies{RecordedAt: at, RecordedBy: "Dr Ada Testwell"}
	inactive := chart.Allergy{Substance: "Latex", Reaction: "Rash", Severity: "mild", Status: "inactive"}
	active := chart.Allergy{Substance: "Penicillin", Reaction: "Hives", Severity: "moderate", Status: "active"}
	superseded := nka
	superseded.Superseded = true
	for _, tc := range []struct {
		name      string
		allergies []chart.Allergy
		nka       []chart.NoKnownAllergies
		want, not []string
	}{
		{"nothing", nil, nil, []string{"Allergies not recorded."}, []string{"No known allergies", "Penicillin"}},
		{"only inactive", []chart.Allergy{inactive}, nil, []string{"Allergies not recorded.", "Latex", "inactive"}, []string{"No known allergies"}},
		{"no known allergies", nil, []chart.NoKnownAllergies{nka},
			[]string{"No known allergies (recorded 2026-03-02 09:40 by Dr Ada Testwell)."}, []string{"not recorded"}},
		{"no known allergies, an old one inactive", []chart.Allergy{inactive}, []chart.NoKnownAllergies{nka},
			[]string{"No known allergies (recorded", "Latex"}, []string{"not recorded"}},
		{"superseded", []chart.Allergy{active}, []chart.NoKnownAllergies{superseded},
			[]string{"Penicillin", "Hives"}, []string{"No known allergies", "not recorded"}},
		{"both, from two workstations", []chart.Allergy{active}, []chart.NoKnownAllergies{nka},
			[]string{"Penicillin"}, []string{"No known allergies", "not recorded"}},
		{"superseded, allergy since made inactive", []chart.Allergy{inactive}, []chart.NoKnownAllergies{superseded},
			[]string{"Allergies not recorded.", "Latex"}, []string{"No known allergies"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &chart.Chart{Patient: patient(t, "Alergová", "Test"), Allergies: tc.allergies, NoKnownAllergies: tc.nka}
			pdf, _ := summaryPDF(t, c, 0)
			first := pages(t, pdf)[0]
			contains(t, "allergy box", first, tc.want...)
			for _, bad := range tc.not {
				if strings.Contains(first, bad) {
					t.Errorf("the summary says %q:\n%s", bad, first)
				}
			}
		})
	}
}

// TestSummary200Visits: a long chart flows over many pages and loses
// nothing: every visit's reason is there once, and every page has its
// furniture.
func TestSummary200Visits(t *testing.T) {
	c := testChart(t, 200)
	pdf, _ := summaryPDF(t, c, 0)
	ps := pages(t, pdf)
	n := pageCount(t, pdf)
	if n != len(ps) {
		t.Errorf("pdfinfo counts %d pages, pdftotext %d", n, len(ps))
	}
	if n < 40 {
		t.Errorf("200 visits on %d pages: too few for all of them", n)
	}
	furniture(t, ps, testPage(), c.Patient)
	all := strings.Join(ps, "\n")
	for i := 1; i <= 200; i++ {
		r := fmt.Sprintf("Reason-%03d follow-up of diabetes", i)
		if k := strings.Count(all, r); k != 1 {
			t.Errorf("%q printed %d times", r, k)
		}
		if k := strings.Count(all, fmt.Sprintf("Visit %d. Feels well", i)); k != 1 {
			t.Errorf("visit %d's note printed %d times", i, k)
		}
	}
	if k := strings.Count(all, "HbA1c in 3 months"); k != 200 {
		t.Errorf("the plans of %d visits printed, want 200", k)
	}
	t.Logf("200 visits: %d pages, %d bytes", n, len(pdf))
}

// TestLongContentIsNotCut: a note longer than a page flows on; a table row
// taller than a page is split over pages rather than cut; every word comes
// out, in order. (OpenEMR's patient report once cropped such content.)
func TestLongContentIsNotCut(t *testing.T) {
	c := testChart(t, 1)
	var note, pnote strings.Builder
	for i := range 1500 {
		fmt.Fprintf(&note, "w%04d ", i)
		if i%40 == 39 {
			note.WriteString("\n")
		}
	}
	for i := range 700 {
		fmt.Fprintf(&pnote, "p%04d ", i)
	}
	c.Visits[0].Subjective = note.String()
	c.Problems[0].Note = pnote.String()
	pdf, _ := summaryPDF(t, c, 0)
	ps := pages(t, pdf)
	furniture(t, ps, testPage(), c.Patient)
	all := strings.Join(ps, "\n")
	for _, w := range []struct {
		prefix string
		n      int
	}{{"w", 1500}, {"p", 700}} {
		at := 0
		for i := range w.n {
			word := fmt.Sprintf("%s%04d", w.prefix, i)
			j := strings.Index(all[at:], word)
			if j < 0 {
				t.Fatalf("%s is missing or out of order", word)
			}
			at += j
		}
	}
	// the problem table's header is repeated on the pages its long row spans
	heads := 0
	for _, p := range ps {
		if strings.Contains(p, "Code") && strings.Contains(p, "Onset") && strings.Contains(p, "p0") {
			heads++
		}
	}
	if heads < 2 {
		t.Errorf("the problem table's header is on %d of the pages its row spans, want at least 2", heads)
	}
}

func TestSummaryNoChart(t *testing.T) {
	if _, err := report.Summary(&bytes.Buffer{}, testPage(), nil, 0); err == nil {
		t.Error("a nil chart printed")
	}
}

// The same chart printed at the same time gives the same bytes, so a
// printout can be compared with another.
func TestSummaryIsDeterministic(t *testing.T) {
	a, _ := summaryPDF(t, testChart(t, 20), 0)
	b, _ := summaryPDF(t, testChart(t, 20), 0)
	if !bytes.Equal(a, b) {
		t.Error("two printouts of the same chart differ")
	}
}
