package report_test

import (
	"bytes"
	"strings"
	"testing"

	"chartkeeper/report"
)

// Names in Latin with accents, Greek and Cyrillic print as they are and
// come back intact from the PDF's text.
func TestNamesInOtherScripts(t *testing.T) {
	for _, n := range []struct{ family, given string }{
		{"Testová", "Žofie"},
		{"Müller-Łęcka", "Ørjan Ñúñez"},
		{"Παπαδοπούλου", "Ζωή"},
		{"Иванова-Тестова", "Мария"},
		{"Шевченко", "Ґлорія Їжакевич"},
	} {
		t.Run(n.family, func(t *testing.T) {
			c := testChart(t, 2)
			c.Patient.Family, c.Patient.Given = n.family, n.given
			c.Visits[0].Reason = "Контроль " + n.given
			pdf, ws := summaryPDF(t, c, 0)
			if len(ws) != 0 {
				t.Errorf("warnings: %q", ws)
			}
			ps := pages(t, pdf)
			furniture(t, ps, testPage(), c.Patient)
			contains(t, "summary", strings.Join(ps, "\n"), "Контроль "+n.given)

			var buf bytes.Buffer
			if _, err := report.CoverSheet(&buf, testPage(), "practice-1", c.Patient, "lab"); err != nil {
				t.Fatal(err)
			}
			contains(t, "cover sheet", strings.Join(pages(t, buf.Bytes()), "\n"), c.Patient.Name())
		})
	}
}

// A name in a script the bundled fonts lack prints as visible placeholders
// with a warning that names the field (not the name), never as garbage.
func TestUndrawableScript(t *testing.T) {
	for _, n := range []struct{ family, given, script string }{
		{"བཀྲ་ཤིས", "ཚེ་རིང", "Tibetan"},
		{"ტესტი", "ნინო", "Georgian"},
	} {
		t.Run(n.script, func(t *testing.T) {
			c := testChart(t, 1)
			c.Patient.Family, c.Patient.Given = n.family, n.given
			c.Visits[0].Plan = "Review in 2 weeks. " + n.given
			pdf, ws := summaryPDF(t, c, 0)
			joined := strings.Join(ws, "\n")
			contains(t, "warnings", joined, "patient name:", n.script, "cannot be drawn", "□", "plan")
			if strings.Contains(joined, n.family) || strings.Contains(joined, n.given) {
				t.Errorf("a warning carries the patient's name: %q", ws)
			}
			ps := pages(t, pdf)
			all := strings.Join(ps, "\n")
			holes := strings.Repeat("□", len([]rune(n.family))) + ", " + strings.Repeat("□", len([]rune(n.given)))
			for i, p := range ps {
				if !strings.Contains(p, holes) {
					t.Errorf("page %d lacks the placeholder name %q", i+1, holes)
				}
			}
			contains(t, "summary", all, "Review in 2 weeks. □")
			for _, r := range all {
				if r == '\uFFFD' || r >= 0x0F00 && r <= 0x0FFF || r >= 0x10A0 && r <= 0x10FF {
					t.Fatalf("the text has %q: garbage or an undrawn character", r)
				}
			}
		})
	}
}

func TestDrawable(t *testing.T) {
	for _, r := range "AzŽžřůßøłΣσςЖжЇїҐґ€°µ□ễơư山花한かカفاשअक्षሰสั\u0301" {
		if !report.Drawable(r) {
			t.Errorf("%q is not drawable", r)
		}
	}
	for _, r := range "ཀქ\U0001F600\U00020000" {
		if report.Drawable(r) {
			t.Errorf("%q counts as drawable", r)
		}
	}
}

// Decomposed accents (e + combining acute) are composed before printing,
// so they print instead of becoming placeholders.
func TestDecomposedAccents(t *testing.T) {
	c := testChart(t, 1)
	c.Patient.Family = "Teste\u0301rova\u0301" // Testérová, decomposed
	pdf, ws := summaryPDF(t, c, 0)
	if len(ws) != 0 {
		t.Errorf("warnings: %q", ws)
	}
	contains(t, "summary", strings.Join(pages(t, pdf), "\n"), "Testérová, Žofie")
}
