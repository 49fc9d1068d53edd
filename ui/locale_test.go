package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"chartkeeper/chart"
)

// withShown builds screens' text in language code for the rest of the test.
func withShown(t *testing.T, code string) {
	t.Helper()
	langMu.Lock()
	old := langShown
	langShown = code
	langMu.Unlock()
	t.Cleanup(func() {
		langMu.Lock()
		langShown = old
		langMu.Unlock()
	})
}

func TestLocaleForms(t *testing.T) {
	for _, c := range []struct {
		lang                    string
		date, dateTime, seconds string
		number, shortest, entry string
		entered                 string // what entryDate makes of "7/12/2026 9:05" (entry: of "07/12/2026")
	}{
		{"en", "2026-12-07", "2026-12-07 14:05", "2026-12-07 14:05:09", "36.6", "79", "07/12/2026", "7/12/2026 9:05"},
		{"fr", "07/12/2026", "07/12/2026 14:05", "07/12/2026 14:05:09", "36,6", "79", "2026-12-07", "2026-12-07 09:05"},
		{"es", "07/12/2026", "07/12/2026 14:05", "07/12/2026 14:05:09", "36,6", "79", "2026-12-07", "2026-12-07 09:05"},
		{"pt", "07/12/2026", "07/12/2026 14:05", "07/12/2026 14:05:09", "36,6", "79", "2026-12-07", "2026-12-07 09:05"},
		{"sw", "07/12/2026", "07/12/2026 14:05", "07/12/2026 14:05:09", "36.6", "79", "2026-12-07", "2026-12-07 09:05"},
	} {
		withShown(t, c.lang)
		check := func(what, got, want string) {
			t.Helper()
			if got != want {
				t.Errorf("%s: %s = %q, want %q", c.lang, what, got, want)
			}
		}
		check("showDate", showDate("2026-12-07"), c.date)
		check("showDateTime", showDateTime("2026-12-07 14:05"), c.dateTime)
		check("showDateTime with seconds", showDateTime("2026-12-07 14:05:09"), c.seconds)
		check("showNumber", showNumber(36.6, 1), c.number)
		check("showNumber shortest", showNumber(79, -1), c.shortest)
		check("localDecimal", localDecimal("36.6"), c.number)
		// a stored result's value and range: each point between digits
		check("localNumbers", localNumbers("< 4.0–5.6 mmol/L. e.g."), strings.ReplaceAll("< 4.0–5.6 mmol/L. e.g.", "4.0–5.6", strings.ReplaceAll("4.0–5.6", ".", c.number[2:3])))
		check("entryDate ISO", entryDate(" 2026-12-07 "), "2026-12-07")
		check("entryDate day first", entryDate("07/12/2026"), c.entry)
		check("entryDate with a time", entryDate("7/12/2026 9:05"), c.entered)
		// Partial and free text is shown and taken as it is.
		check("showDate partial", showDate("2026-12"), "2026-12")
		check("showDate empty", showDate(""), "")
		check("entryDate not a date", entryDate("31/13/2026"), "31/13/2026")
	}
}

// TestDatesInFrench: with the workstation in French, the chart shows the
// birth date day first and a visit typed DD/MM/YYYY is saved as the
// store's ISO date.
func TestDatesInFrench(t *testing.T) {
	p := newPractice(t)
	a := test.NewTempApp(t)
	setLanguageSetting(a, "fr")
	t.Cleanup(func() {
		setLanguageSetting(a, "")
		applyLanguage(a)
	})
	w := test.NewTempWindow(t, nil)
	ws, content := create(a, w, p.dir)
	w.SetContent(content)
	signInAs(t, w, "drsmith", testPassword)
	s := sessionOf(t, ws)
	s.openChart(p.patient.ID)
	wantText(t, w.Content(), "02/03/1975")
	noText(t, w.Content(), "1975-03-02")

	// A trend of vital signs or results writes its dates day first too.
	when := time.Date(2024, 11, 11, 9, 0, 0, 0, time.Local)
	vs := []chart.Vitals{{Taken: when, WeightKg: 70}, {Taken: when.AddDate(0, 1, 0), WeightKg: 71}}
	rs := chart.ResultTest{Name: "Glucose", Results: []chart.Result{
		{Name: "Glucose", Value: "99", Unit: "mg/dL", Taken: when},
		{Name: "Glucose", Value: "101", Unit: "mg/dL", Taken: when.AddDate(0, 1, 0)},
	}}
	c, _, _ := resultChart(rs)
	for name, layout := range map[string]string{"vital signs": vitalsChart(vs, trendWeight).DateFormat, "results": c.DateFormat} {
		if layout != "02/01/2006" {
			t.Errorf("the %s trend's dates are laid out %q, want day first", name, layout)
		}
	}
}
