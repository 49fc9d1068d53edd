package report_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"chartkeeper/chart"
)

// resultsChart is testChart with results: a test taken twice (only the
// latest prints), values high, low, critically low, critically high and
// normal, a bound, a value in words and a test named in Ukrainian.
func resultsChart(t testing.TB) *chart.Chart {
	c := testChart(t, 1)
	pid := c.Patient.ID
	day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 8, 30, 0, 0, time.UTC) }
	loinc := func(code string) []chart.Coding { return []chart.Coding{{System: chart.SystemLOINC, Code: code}} }
	c.Results = []chart.Result{ // newest first, as the chart lists them
		{Meta: meta(pid, 2001), Taken: day(10, 5), Name: "Hemoglobin A1c", Codings: loinc("4548-4"), Value: "6.40", Unit: "%", Low: "4.0", High: "5.6", Flag: chart.FlagHigh},
		{Meta: meta(pid, 2002), Taken: day(10, 5), Name: "Potassium", Value: "3.1", Unit: "mmol/L", Low: "3.5", High: "5.0", Flag: chart.FlagLow},
		{Meta: meta(pid, 2003), Taken: day(10, 5), Name: "Sodium", Value: "118", Unit: "mmol/L", Low: "135", High: "145", Flag: chart.FlagCriticalLow},
		{Meta: meta(pid, 2008), Taken: day(10, 5), Name: "Calcium", Value: "3.40", Unit: "mmol/L", Low: "2.15", High: "2.55", Flag: chart.FlagCriticalHigh},
		{Meta: meta(pid, 2004), Taken: day(9, 12), Name: "Гемоглобін", Value: "128", Unit: "g/L", Low: "120", High: "160", Flag: chart.FlagNormal},
		{Meta: meta(pid, 2005), Taken: day(9, 12), Name: "C-reactive protein", Value: "0.5", Comparator: "<", Unit: "mg/L", High: "5.0"},
		{Meta: meta(pid, 2006), Taken: day(6, 1), Name: "Tobacco smoking status", Category: "social-history", Text: "Never smoked tobacco"},
		{Meta: meta(pid, 2007), Taken: day(5, 5), Name: "HbA1c (old name)", Codings: loinc("4548-4"), Value: "7.90", Unit: "%", Low: "4.0", High: "5.6", Flag: chart.FlagHigh},
	}
	return c
}

// TestSummaryResults: the summary's Results section prints the latest
// value of each test on one line of its table, with its unit, range,
// flag (in words, for values outside the range only) and date; an
// earlier value of the same test (same LOINC code) does not print.
func TestSummaryResults(t *testing.T) {
	c := resultsChart(t)
	pdf, ws := summaryPDF(t, c, 0)
	if len(ws) != 0 {
		t.Errorf("warnings: %q", ws)
	}
	ps := pages(t, pdf)
	furniture(t, ps, testPage(), c.Patient)
	all := strings.Join(ps, "\n")
	contains(t, "summary", all, "Results", "The latest value of each of 7 tests", "Test", "Value", "Unit", "Reference range", "Flag", "Date")
	for _, row := range [][]string{
		{"Hemoglobin A1c", "6.40", "%", "4.0–5.6", "High", "2026-10-05"},
		{"Potassium", "3.1", "mmol/L", "3.5–5.0", "Low", "2026-10-05"},
		{"Sodium", "118", "mmol/L", "135–145", "Critical low", "2026-10-05"},
		{"Calcium", "3.40", "mmol/L", "2.15–2.55", "Critical high", "2026-10-05"},
		{"Гемоглобін", "128", "g/L", "120–160", "2026-09-12"},
		{"C-reactive protein", "< 0.5", "mg/L", "≤ 5.0", "2026-09-12"},
		{"Tobacco smoking status", "Never smoked tobacco", "2026-06-01"},
	} {
		line := lineWith(all, row[0])
		if line == "" {
			t.Errorf("no line of the summary names %q", row[0])
			continue
		}
		at := 0
		for _, cell := range row {
			i := strings.Index(line[at:], cell)
			if i < 0 {
				t.Errorf("the line of %s lacks %q (or has it out of order): %q", row[0], cell, line)
				break
			}
			at += i + len(cell)
		}
		if row[0] == "Гемоглобін" || row[0] == "C-reactive protein" || row[0] == "Tobacco smoking status" {
			for _, flag := range []string{"High", "Low", "Normal", " N "} {
				if strings.Contains(line, flag) {
					t.Errorf("the line of %s, a value within its range, has the flag %q: %q", row[0], flag, line)
				}
			}
		}
	}
	for _, old := range []string{"7.90", "HbA1c (old name)"} {
		if strings.Contains(all, old) {
			t.Errorf("the summary prints %q, an earlier value of a test it shows the latest of", old)
		}
	}
	last := -1
	for _, s := range []string{"Vitals", "Results", "Visits"} {
		i := strings.Index(all, s)
		if i < last {
			t.Errorf("%q comes before the section it should follow", s)
		}
		last = i
	}
}

// TestSummaryResultsLong: a chart with 150 tests prints them all, once
// each, over several pages; the table's header is repeated on each page
// it continues on, and no two words of any page overlap (rows do not run
// into one another, the header or the page's furniture).
func TestSummaryResultsLong(t *testing.T) {
	c := testChart(t, 1)
	const n = 150
	for i := range n {
		c.Results = append(c.Results, longResult(c, i))
	}
	pdf, _ := summaryPDF(t, c, 0)
	ps := pages(t, pdf)
	furniture(t, ps, testPage(), c.Patient)
	all := strings.Join(ps, "\n")
	for i := range n {
		name := fmt.Sprintf("Analyte %03d", i+1)
		if k := strings.Count(all, name); k != 1 {
			t.Errorf("%s is printed %d times, want once", name, k)
		}
	}
	var on []int
	for i, p := range ps {
		if strings.Contains(p, "Analyte") {
			on = append(on, i)
			if !strings.Contains(p, "Reference range") {
				t.Errorf("page %d has results but not the table's header", i+1)
			}
		}
	}
	if len(on) < 3 {
		t.Errorf("150 results are on %d pages, want 3 or more", len(on))
	}
	byPage := map[int][]word{}
	for _, w := range words(t, pdf) {
		byPage[w.page] = append(byPage[w.page], w)
	}
	for pg, ws := range byPage {
		for i, a := range ws {
			for _, b := range ws[i+1:] {
				const e = 0.3 // glyph boxes of neighbouring words may touch
				if a.xMin+e < b.xMax && b.xMin+e < a.xMax && a.yMin+e < b.yMax && b.yMin+e < a.yMax {
					t.Errorf("page %d: %q and %q overlap", pg, a.text, b.text)
				}
			}
		}
	}
}

// longResult is result i of a long list: every third one has a name that
// wraps in its cell, every seventh is high.
func longResult(c *chart.Chart, i int) chart.Result {
	r := chart.Result{Meta: meta(c.Patient.ID, 3000+i), Taken: time.Date(2026, 9, 1+i%28, 8, 0, 0, 0, time.UTC),
		Name: fmt.Sprintf("Analyte %03d", i+1), Value: fmt.Sprintf("%d.%d", 10+i, i%10), Unit: "µmol/L", Low: "10", High: "100"}
	if i%7 == 0 {
		r.Flag = chart.FlagHigh
	}
	if i%3 == 0 {
		r.Name += " measured with a long method name that wraps in its cell"
	}
	return r
}

// lineWith is the first line of text that holds s.
func lineWith(text, s string) string {
	for l := range strings.Lines(text) {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}
