package ui

import (
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/chart"
	"chartkeeper/internal/plots"
)

// The measures the vital signs tab plots over time (in English: the choice
// shows them in the person's language, trendLabel).
const (
	trendWeight = "Weight"         // i18n:skip
	trendBMI    = "BMI"            // i18n:skip
	trendBP     = "Blood pressure" // i18n:skip
)

// trendLabel is how the choice names a measure.
func trendLabel(what string) string {
	switch what {
	case trendBMI:
		return lang.L("BMI")
	case trendBP:
		return lang.L("Blood pressure")
	}
	return lang.L("Weight")
}

// vitalsTrend is the plot over time above the vital signs table: weight,
// BMI or blood pressure, as chosen.
func (v *chartView) vitalsTrend() fyne.CanvasObject {
	pv := newPlotView(v.s.ws.win, vitalsChart(v.c.Vitals, trendWeight), fyne.NewSize(280, 120))
	measures := []string{trendWeight, trendBMI, trendBP}
	labels := make([]string, len(measures))
	for i, m := range measures {
		labels[i] = trendLabel(m)
	}
	choice := widget.NewRadioGroup(labels, nil)
	choice.Horizontal = true
	choice.Required = true
	choice.SetSelected(trendLabel(trendWeight))
	choice.OnChanged = func(label string) {
		what := ""
		for _, m := range measures {
			if trendLabel(m) == label {
				what = m
			}
		}
		if what == "" && slices.Contains(measures, label) {
			choice.SetSelected(trendLabel(label)) // chosen by its constant (the tour): select its label
			return
		}
		v.s.touch()
		if what == "" {
			what = trendWeight
		}
		pv.SetChart(vitalsChart(v.c.Vitals, what))
	}
	v.trend, v.trendChoice = pv, choice
	return border(choice, nil, nil, nil, pv)
}

// vitalsChart is the chart of one measure over the recorded vital signs.
func vitalsChart(xs []chart.Vitals, what string) plots.Chart {
	series := func(name string, value func(x chart.Vitals) float64) plots.Series {
		s := plots.Series{Name: name}
		for _, x := range xs {
			if y := value(x); y > 0 {
				s.Points = append(s.Points, plots.Point{At: x.Taken, Value: y})
			}
		}
		return s
	}
	switch what {
	case trendBMI:
		return plots.Chart{Title: lang.L("BMI"), Unit: "kg/m²", Band: &[2]float64{18.5, 25}, DateFormat: axisFullDate(),
			Series: []plots.Series{series(lang.L("BMI"), func(x chart.Vitals) float64 { return x.BMI() })}}
	case trendBP:
		return plots.Chart{Title: lang.L("Blood pressure"), Unit: "mmHg", DateFormat: axisFullDate(), Series: []plots.Series{
			series(lang.L("Systolic"), func(x chart.Vitals) float64 { return float64(x.Systolic) }),
			series(lang.L("Diastolic"), func(x chart.Vitals) float64 { return float64(x.Diastolic) }),
		}}
	}
	return plots.Chart{Title: lang.L("Weight"), Unit: "kg", DateFormat: axisFullDate(),
		Series: []plots.Series{series(lang.L("Weight"), func(x chart.Vitals) float64 { return x.WeightKg })}}
}
