package ui

import (
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/chart"
	"chartkeeper/chart/search"
	"chartkeeper/internal/words"
)

// findLimit is how many patients a search lists; more means "keep typing".
const findLimit = 500

// finder is the search-as-you-type pane. The search itself takes
// microseconds (chart/search keeps an in-memory index), so it runs on every
// keystroke on the UI goroutine; widget.List builds only the visible rows,
// so the list stays smooth however many patients the practice has.
type finder struct {
	s       *session
	query   *entry
	count   *widget.Label
	list    *widget.List
	results []chart.PatientSummary
	pane    fyne.CanvasObject // what content made, beside the detail pane
}

func newFinder(s *session) *finder {
	f := &finder{s: s}
	f.query = newEntry(lang.L("Find: name, MRN, birth date or phone (Ctrl+F)"))
	f.query.OnChanged = f.onChanged
	f.query.OnSubmitted = f.onSubmitted
	f.query.onActivity = s.touch
	f.query.onEscape = func() { f.query.SetText("") }
	f.count = &widget.Label{Text: lang.L("Type to find a patient."), Wrapping: fyne.TextWrapWord}
	f.list = &widget.List{
		Length:     func() int { return len(f.results) },
		CreateItem: newResultRow,
		UpdateItem: f.updateRow,
		OnSelected: f.onSelected,
	}
	f.list.ExtendBaseWidget(f.list)
	return f
}

func (f *finder) content() fyne.CanvasObject {
	f.pane = border(container.NewVBox(f.query, f.count), nil, nil, nil, f.list)
	return f.pane
}

// focus puts the cursor in the search entry, its text selected, showing
// the find pane if a screen had hidden it, or in place of the detail pane
// in a narrow window (panes.go).
func (f *finder) focus() {
	f.s.panes.show(sideFind)
	f.s.ws.win.Canvas().Focus(f.query)
}

// show shows or hides the find pane; the detail pane takes the room. The
// inbox hides it: its filing form has a patient search of its own, and at
// 1024 px the document and the form need the width.
func (f *finder) show(on bool) {
	if on {
		f.s.panes.findOff = false
		f.s.panes.refit()
	} else {
		f.s.panes.hideFind()
	}
}

func (f *finder) onChanged(q string) {
	f.search(q)
}

// search runs the query and shows its results.
func (f *finder) search(q string) {
	f.list.UnselectAll()
	if q == "" {
		f.results = nil
		f.count.SetText(lang.L("Type to find a patient."))
		f.list.Refresh()
		return
	}
	rs, err := f.s.svc.FindAs(q, findLimit, dateOrder())
	if err != nil {
		f.results = nil
		f.count.SetText(sentence(err))
		f.list.Refresh()
		return
	}
	f.results = rs
	switch n := len(rs); {
	case n == 0:
		f.count.SetText(noneFound(q))
	case n == 1:
		f.count.SetText(lang.L("1 patient. Enter opens the chart."))
	case n >= findLimit:
		f.count.SetText(fmt.Sprintf(lang.L("More than %d patients: keep typing to narrow the list."), findLimit-1))
	default:
		f.count.SetText(fmt.Sprintf(lang.L("%d patients. Enter opens the first."), n))
	}
	f.list.Refresh()
	f.list.ScrollToTop()
}

// noneFound says that a search found nobody; for a birth date alone, it
// names the date as it was read (07/09/61 as 07/09/1961), so a user sees a
// two-digit year's century, or that English read a date both ways.
func noneFound(q string) string {
	ds, ok := search.OnlyDate(q, dateOrder())
	switch {
	case ok && len(ds) == 1:
		return fmt.Sprintf(lang.L("No patient born on %s."), showDate(ds[0]))
	case ok && len(ds) == 2:
		return fmt.Sprintf(lang.L("No patient born on %s or %s."), showDate(ds[0]), showDate(ds[1]))
	}
	return lang.L("No patient found.")
}

// dateOrder is how a patient search reads a birth date typed with
// slashes: day first ("07/09/1961" is 7 September, as are 7/9/1961,
// 07.09.1961, 07-09-1961 and 07/09/61) in a language that writes dates so;
// in English, which shows ISO dates, "07/09/1961" is read both ways and
// lists those born on 7 September and on July 9. ISO dates are taken in
// every language. See docs/UI.md, "Finding a patient".
func dateOrder() search.DateOrder {
	if currentForm().dayFirst {
		return search.DayFirst
	}
	return search.AnyOrder
}

func (f *finder) onSubmitted(string) {
	if len(f.results) > 0 {
		f.s.openChart(f.results[0].ID)
	}
}

func (f *finder) onSelected(i widget.ListItemID) {
	if i >= 0 && i < len(f.results) {
		f.s.openChart(f.results[i].ID)
	}
}

// A result row: MRN, name, then birth date, age and sex.
func newResultRow() fyne.CanvasObject {
	// Templates of the widest texts, so that the columns line up from the start.
	mrn := &widget.Label{Text: "00000000", TextStyle: fyne.TextStyle{Monospace: true}}
	name := &widget.Label{TextStyle: fyne.TextStyle{Bold: true}, Truncation: fyne.TextTruncateEllipsis}
	born := &widget.Label{Text: "0000-00-00 · 000 y · X"} // i18n:skip
	return container.NewBorder(nil, nil, mrn, born, name)
}

func (f *finder) updateRow(i widget.ListItemID, o fyne.CanvasObject) {
	if i >= len(f.results) {
		return
	}
	p := f.results[i]
	row := o.(*fyne.Container)
	row.Objects[1].(*widget.Label).SetText(p.MRN)
	row.Objects[0].(*widget.Label).SetText(ordered(p.Name()))
	row.Objects[2].(*widget.Label).SetText(bornText(p))
	row.Refresh()
}

// bornText is "1980-04-02 · 45 years · F", or "· 7 weeks ·" for an
// infant (chart.AgeText); the age stops at a death, which it names.
func bornText(p chart.PatientSummary) string {
	died := ""
	switch {
	case p.DeceasedDate != "":
		died = fmt.Sprintf(lang.L("died %s"), showDate(p.DeceasedDate))
	case p.Deceased:
		died = lang.L("deceased")
	}
	age := ageText(chart.Patient{DOB: p.DOB, Deceased: p.Deceased, DeceasedDate: p.DeceasedDate}, time.Now())
	return strings.Join(words.NonEmpty(showDate(p.DOB), age, sexLetter(p.Sex), died), " · ")
}

func sexLetter(s chart.Sex) string {
	switch s {
	case chart.Female:
		return lang.L("F")
	case chart.Male:
		return lang.L("M")
	case chart.Other:
		return lang.L("X")
	}
	return "?"
}
