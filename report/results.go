package report

import (
	"fmt"

	"chartkeeper/chart"
)

// latestResults prints the Results section of the summary: the latest
// value of each test (results grouped by LOINC code, else by name), the
// tests in alphabetical order, with the value's unit, the reference
// range, the flag when the value is outside it and the date it was taken.
func (s *summary) latestResults() {
	tests := chart.ResultTests(s.c.Results)
	if !s.clinical(s.tr("Results"), len(tests)) {
		return
	}
	s.muted(fmt.Sprintf(s.tr("The latest value of each of %d tests; earlier values are in the chart."), len(tests)))
	s.gap(1)
	t := s.table(column{s.tr("Test"), 54, "L"}, column{s.tr("Value"), 42, "R"}, column{s.tr("Unit"), 15, "L"},
		column{s.tr("Reference range"), 26, "L"}, column{s.tr("Flag"), 22, "L"}, column{s.tr("Date"), 21, "L"})
	for i, rt := range tests {
		r := rt.Results[0]
		f := item(trLater("result %d"), i)
		value, unit := r.ValueText(), ""
		if r.Value != "" {
			value, unit = r.Comparator+" "+r.Value, r.Unit
			if r.Comparator == "" {
				value = r.Value
			}
		}
		t.row(s.t.line(f, r.Name), s.numbers(s.t.line(item(trLater("result %d, value"), i), value)), s.t.line(item(trLater("result %d, unit"), i), unit),
			s.numbers(s.t.line(item(trLater("result %d, range"), i), r.RangeShown())), s.resultFlag(r.Flag), s.resultDate(r))
	}
}

// resultFlag is a result's flag in words; nothing for a normal value or
// one without a flag.
func (d *doc) resultFlag(flag string) string {
	return map[string]string{
		chart.FlagHigh: d.tr("High"), chart.FlagLow: d.tr("Low"),
		chart.FlagCriticalHigh: d.tr("Critical high"), chart.FlagCriticalLow: d.tr("Critical low"),
		chart.FlagAbnormal: d.tr("Abnormal"),
	}[flag]
}

// resultDate is the day a result was taken.
func (d *doc) resultDate(r chart.Result) string {
	if r.Taken.IsZero() {
		return d.tr("(no date)")
	}
	return d.date(r.Taken.Format("2006-01-02"))
}
