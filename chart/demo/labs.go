package demo

import (
	"fmt"
	"math/rand/v2"
	"time"

	"chartkeeper/chart"
)

// labTest is a laboratory test the demo practice orders, with its LOINC
// code, its name as a lab's report prints it and LOINC's, unit and
// reference range (decimal strings; "" for an open side).
type labTest struct {
	loinc, name, display, unit, low, high string
	// format writes a value: "%.1f" or "%.0f".
	format string
}

var (
	labHbA1c       = labTest{"4548-4", "Hemoglobin A1c", "Hemoglobin A1c/Hemoglobin.total in Blood", "%", "4.0", "5.6", "%.1f"}
	labGlucose     = labTest{"2345-7", "Glucose", "Glucose [Mass/volume] in Serum or Plasma", "mg/dL", "70", "99", "%.0f"}
	labCholesterol = labTest{"2093-3", "Cholesterol", "Cholesterol [Mass/volume] in Serum or Plasma", "mg/dL", "", "200", "%.0f"}
)

func (t labTest) result(r *rand.Rand, d time.Time, value float64) *chart.Result {
	taken := time.Date(d.Year(), d.Month(), d.Day(), 7+r.IntN(3), r.IntN(60), 0, 0, time.Local)
	return &chart.Result{Taken: taken, Category: "laboratory", Name: t.name, Status: "final",
		Codings: []chart.Coding{{System: chart.SystemLOINC, Code: t.loinc, Display: t.display}},
		Value:   fmt.Sprintf(t.format, value), Unit: t.unit, UnitCode: t.unit, Low: t.low, High: t.high}
}

// labResults draws an adult's laboratory results: at a visit, now and
// then, a glucose and a cholesterol, mostly within range; for diabetes an
// HbA1c and a glucose every quarter or so before and at the visits, for
// hyperlipidemia a cholesterol at every visit and twice before, drifting
// down as treatment works. It draws from its own source, so the rest of
// the chart is the same as without it.
func labResults(r *rand.Rand, age int, conds []*condition, visits []time.Time) []*chart.Result {
	if age < 18 || len(visits) == 0 {
		return nil
	}
	var diabetes, lipids bool
	for _, c := range conds {
		switch c.Code {
		case "E11.9":
			diabetes = true
		case "E78.5":
			lipids = true
		}
	}
	var out []*chart.Result
	first := visits[0]
	if diabetes {
		days := []time.Time{first.AddDate(0, -6, 0), first.AddDate(0, -3, 0)}
		days = append(days, visits...)
		a1c := 7.5 + float64(r.IntN(20))/10
		for _, d := range days {
			out = append(out, labHbA1c.result(r, d, a1c), labGlucose.result(r, d, 100+a1c*12+float64(r.IntN(30))))
			a1c += float64(r.IntN(9)-5) / 10 // mostly better
			a1c = max(a1c, 5.2)
		}
	}
	if lipids {
		days := []time.Time{first.AddDate(0, -8, 0), first.AddDate(0, -4, 0)}
		days = append(days, visits...)
		chol := 235 + float64(r.IntN(40))
		for _, d := range days {
			out = append(out, labCholesterol.result(r, d, chol))
			chol -= float64(r.IntN(20))
		}
	}
	if !diabetes && !lipids {
		for _, d := range visits {
			if r.IntN(2) == 0 {
				out = append(out, labGlucose.result(r, d, 78+float64(r.IntN(30))), labCholesterol.result(r, d, 160+float64(r.IntN(60))))
			}
		}
	}
	return out
}
