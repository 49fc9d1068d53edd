package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/chart"
)

// resultColumns are the Results tab's columns and their widths.
var resultColumns = []struct {
	title string
	width float32
}{{"Taken", 140}, {"Test", 340}, {"Value", 170}, {"Unit", 90}, {"Range", 110}, {"Flag", 50}}

// resultCell is the text of one cell of the Results table.
func resultCell(r chart.Result, col int) string {
	switch col {
	case 0:
		return r.Taken.Local().Format(takenLayout)
	case 1:
		return r.Name
	case 2:
		switch {
		case r.Value != "":
			if r.Comparator != "" {
				return r.Comparator + " " + r.Value
			}
			return r.Value
		case r.Text != "":
			return r.Text
		}
		return r.ValueText() // a panel's parts
	case 3:
		if r.Value != "" {
			return r.Unit
		}
		return ""
	case 4:
		return r.RangeShown()
	case 5:
		return r.Flag
	}
	return ""
}

// results is the Results tab: every result of the chart (laboratory,
// social history, surveys, …), newest first, one row each with its value,
// unit, reference range and flag; a flag outside the range shows in red.
func (v *chartView) results() fyne.CanvasObject {
	rs := v.c.Results
	if len(rs) == 0 {
		return scroll(paragraph("No results recorded."))
	}
	t := widget.NewTableWithHeaders(
		func() (int, int) { return len(rs), len(resultColumns) },
		func() fyne.CanvasObject { return &widget.Label{Truncation: fyne.TextTruncateEllipsis} },
		func(id widget.TableCellID, o fyne.CanvasObject) {
			l := o.(*widget.Label)
			l.Importance = widget.MediumImportance
			if rs[id.Row].Abnormal() && (id.Col == 2 || id.Col == 5) {
				l.Importance = widget.DangerImportance
			}
			l.SetText(resultCell(rs[id.Row], id.Col))
		})
	t.ShowHeaderColumn = false
	t.CreateHeader = func() fyne.CanvasObject { return &widget.Label{TextStyle: fyne.TextStyle{Bold: true}} }
	t.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Col >= 0 && id.Col < len(resultColumns) {
			o.(*widget.Label).SetText(resultColumns[id.Col].title)
		}
	}
	for i, c := range resultColumns {
		t.SetColumnWidth(i, c.width)
	}
	return container.NewPadded(t)
}
