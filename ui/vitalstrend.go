package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/chart"
	"chartkeeper/internal/plots"
)

// The measures the vital signs tab plots over time.
const (
	trendWeight = "Weight"
	trendBMI    = "BMI"
	trendBP     = "Blood pressure"
)

// vitalsTrend is the plot over time above the vital signs table: weight,
// BMI or blood pressure, as chosen.
func (v *chartView) vitalsTrend() fyne.CanvasObject {
	pv := newPlotView(v.s.ws.win, vitalsChart(v.c.Vitals, trendWeight), fyne.NewSize(280, 120))
	choice := widget.NewRadioGroup([]string{trendWeight, trendBMI, trendBP}, nil)
	choice.Horizontal = true
	choice.Required = true
	choice.SetSelected(trendWeight)
	choice.OnChanged = func(what string) {
		v.s.touch()
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
		return plots.Chart{Title: "BMI", Unit: "kg/m²", Band: &[2]float64{18.5, 25},
			Series: []plots.Series{series("BMI", func(x chart.Vitals) float64 { return x.BMI() })}}
	case trendBP:
		return plots.Chart{Title: "Blood pressure", Unit: "mmHg", Series: []plots.Series{
			series("Systolic", func(x chart.Vitals) float64 { return float64(x.Systolic) }),
			series("Diastolic", func(x chart.Vitals) float64 { return float64(x.Diastolic) }),
		}}
	}
	return plots.Chart{Title: "Weight", Unit: "kg",
		Series: []plots.Series{series("Weight", func(x chart.Vitals) float64 { return x.WeightKg })}}
}
