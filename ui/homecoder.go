package ui

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/chart"
	"chartkeeper/internal/words"
)

// coderQueue is the coder's home: the signed visits without codes, worked
// through in place: the note on the left, the codes (the same form as in
// the chart, coding.go) on the right, then "Save and next".
type coderQueue struct {
	s     *session
	items []chart.QueueItem
	at    int // the item shown
	pane  *fyne.Container
	codes *visitCoder // the codes form of the item shown
	title *widget.Label
}

func (s *session) coderHome() fyne.CanvasObject {
	q := &coderQueue{s: s, pane: container.NewStack(), title: &widget.Label{TextStyle: fyne.TextStyle{Bold: true}, Wrapping: fyne.TextWrapWord}}
	s.coder = q
	q.load(0)
	top := container.NewVBox(container.NewBorder(nil, nil, nil, container.NewVBox(s.homeActions()), container.NewVBox(heading(lang.L("Coding queue")), q.title)), widget.NewSeparator())
	return border(container.NewPadded(top), nil, nil, nil, q.pane)
}

// load reads the queue again and shows its item at (or the last).
func (q *coderQueue) load(at int) {
	items, err := q.s.svc.CodingQueue()
	if err != nil {
		q.title.SetText("")
		q.show(paragraph(sentence(err)))
		return
	}
	q.items = items
	if len(items) == 0 {
		q.codes = nil
		q.title.SetText(lang.L("Nothing to code"))
		q.show(scroll(container.NewPadded(container.NewVBox(
			paragraph(lang.L("The coding queue is empty: every signed visit has its diagnosis codes.")),
			q.s.recentSection()))))
		return
	}
	q.at = min(max(at, 0), len(items)-1)
	q.showItem()
}

func (q *coderQueue) show(o fyne.CanvasObject) {
	q.pane.Objects = []fyne.CanvasObject{o}
	q.pane.Refresh()
}

// showItem shows the note and the codes form of the current item.
func (q *coderQueue) showItem() {
	it := q.items[q.at]
	title := fmt.Sprintf(lang.L("1 signed visit without codes · visit %d of %d"), q.at+1, len(q.items))
	if len(q.items) != 1 {
		title = fmt.Sprintf(lang.L("%d signed visits without codes · visit %d of %d"), len(q.items), q.at+1, len(q.items))
	}
	q.title.SetText(title)
	visit, err := q.s.svc.OpenVisit(it.VisitID) // the note is read, audited, as shown
	if err != nil {
		q.show(paragraph(sentence(err)))
		return
	}
	note := container.NewVBox(
		heading(ordered(it.Patient.Name())),
		paragraph(strings.Join(words.NonEmpty(fmt.Sprintf(lang.L("MRN %s"), it.Patient.MRN), bornText(it.Patient)), " · ")),
		&widget.Label{Text: fmt.Sprintf(lang.L("Visit of %s: %s"), showDate(visit.Date), visit.Reason), TextStyle: fyne.TextStyle{Bold: true}, Wrapping: fyne.TextWrapWord},
		paragraph(fmt.Sprintf(lang.L("Clinician: %s."), visit.Clinician)+" "+signedText(visit)),
	)
	for _, part := range []struct{ name, text string }{
		{lang.L("Subjective"), visit.Subjective}, {lang.L("Objective"), visit.Objective}, {lang.L("Assessment"), visit.Assessment}, {lang.L("Plan"), visit.Plan},
	} {
		if part.text == "" {
			continue
		}
		note.Add(&widget.Label{Text: part.name, TextStyle: fyne.TextStyle{Bold: true}})
		note.Add(paragraph(part.text))
	}
	note.Add(container.NewHBox(&widget.Button{Text: lang.L("Open the chart"), Icon: theme.FolderOpenIcon(), OnTapped: func() { q.s.openChart(visit.Patient) }}))

	c := newVisitCoder(q.s, visit, visit.Patient, it.Patient.Name())
	c.done = func(saved bool) {
		if saved {
			q.load(q.at) // the coded visit has left the queue: the next is at its place
			return
		}
		q.showItem()
	}
	q.codes = c
	next := &widget.Button{Text: lang.L("Save and next"), Icon: theme.MailForwardIcon(), Importance: widget.HighImportance, OnTapped: c.save}
	skip := &widget.Button{Text: lang.L("Skip"), Icon: theme.MediaSkipNextIcon(), OnTapped: q.skip}
	if q.at == len(q.items)-1 {
		skip.Disable()
	}
	form := c.form(&widget.Label{Text: lang.L("Codes"), TextStyle: fyne.TextStyle{Bold: true}}, next,
		&widget.Button{Text: lang.L("Add procedure"), Icon: theme.ContentAddIcon(), OnTapped: c.addProcedure}, skip)
	split := container.NewHSplit(scroll(container.NewPadded(note)), scroll(container.NewPadded(form)))
	split.Offset = 0.5
	q.show(split)
	c.start()
}

// skip shows the next visit of the queue, leaving this one uncoded.
func (q *coderQueue) skip() {
	q.s.touch()
	q.s.leave(func() {
		if q.at+1 < len(q.items) {
			q.at++
		}
		q.showItem()
	})
}
