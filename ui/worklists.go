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
)

// unsignedAfterDays is how old an unsigned visit is before it is listed.
const unsignedAfterDays = 3

// worklists shows the HIM manager's queues: each a list whose rows open
// the chart, with the decisions the queue asks for.
func (a *adminView) worklists() fyne.CanvasObject {
	svc := a.s.svc
	box := container.NewVBox(heading(lang.L("Worklists")))
	section := func(title string, n int, err error) {
		box.Add(widget.NewSeparator())
		switch {
		case err != nil:
			box.Add(&widget.Label{Text: title + ": " + sentence(err), TextStyle: fyne.TextStyle{Bold: true}, Wrapping: fyne.TextWrapWord})
		default:
			box.Add(&widget.Label{Text: fmt.Sprintf("%s (%d)", title, n), TextStyle: fyne.TextStyle{Bold: true}})
			if n == 0 {
				box.Add(paragraph(lang.L("Nothing waiting.")))
			}
		}
	}
	row := func(text string, buttons ...fyne.CanvasObject) {
		box.Add(container.NewBorder(nil, nil, nil, container.NewHBox(buttons...), &widget.Label{Text: text, Wrapping: fyne.TextWrapWord}))
	}
	open := func(patientID string) *widget.Button {
		return &widget.Button{Text: lang.L("Open chart"), OnTapped: func() { a.s.openChart(patientID) }}
	}

	a.conflictRows(section, row)           // conflicts.go
	a.mrnCollisionRows(section, row, open) // mrn.go

	bgs, err := svc.BreakGlassToReview()
	section(lang.L("Break-glass access to review"), len(bgs), err)
	for _, g := range bgs {
		row(fmt.Sprintf(lang.L("%s opened %s on %s: %q"), g.Username, a.patientName(g.Patient), showWhen(g.At), g.Reason),
			open(g.Patient), &widget.Button{Text: lang.L("Reviewed…"), Icon: theme.ConfirmIcon(), OnTapped: func() { a.reviewBreakGlass(g) }})
	}

	reqs, err := svc.OpenAmendmentRequests()
	section(lang.L("Amendment requests to decide"), len(reqs), err)
	for _, r := range reqs {
		row(fmt.Sprintf(lang.L("%s, received %s from %s: %q"), a.patientName(r.Patient), r.Received, r.Requester, r.Text),
			open(r.Patient), &widget.Button{Text: lang.L("Decide…"), OnTapped: func() { a.decideAmendment(r) }})
	}

	unsigned, err := svc.UnsignedVisits(unsignedAfterDays)
	section(fmt.Sprintf(lang.L("Visits unsigned after %d days"), unsignedAfterDays), len(unsigned), err)
	for _, it := range unsigned {
		row(ordered(fmt.Sprintf("%s  %s · %s · %s · %s", showDate(it.Visit.Date), it.Patient.Name(), it.Visit.Reason, it.Visit.Clinician, homeCount(it.Age, lang.L("1 day"), lang.L("%d days")))), open(it.Patient.ID))
	}

	uncoded, err := svc.UncodedVisits()
	section(lang.L("Signed visits without codes"), len(uncoded), err)
	for _, it := range uncoded {
		row(ordered(fmt.Sprintf("%s  %s · %s · %s", showDate(it.Visit.Date), it.Patient.Name(), it.Visit.Reason, it.Visit.Clinician)), open(it.Patient.ID))
	}

	docs, err := svc.DocumentsToFile()
	section(lang.L("Documents waiting to be filed"), len(docs), err)
	for _, d := range docs {
		row(fmt.Sprintf("%s  %s · %s", showWhen(d.Received), d.Source, homeCount(d.Pages, lang.L("1 page"), lang.L("%d pages"))))
	}
	return scroll(box)
}

// patientName names a patient from the finder's memory (not audited).
func (a *adminView) patientName(id string) string {
	if p, ok := a.s.svc.Summary(id); ok {
		return ordered(fmt.Sprintf(lang.L("%s (MRN %s)"), p.Name(), p.MRN))
	}
	return lang.L("a patient")
}

func (a *adminView) reviewBreakGlass(g chart.BreakGlass) {
	note := newEntry(lang.L("what you found, e.g. emergency confirmed with the clinician"))
	askFormKeeping(a.s.ws.win, lang.L("Review break-glass access"),
		container.NewVBox(paragraph(fmt.Sprintf(lang.L("%s gave the reason: %s"), g.Username, g.Reason)), note), lang.L("Mark reviewed"), lang.L("Cancel"),
		lang.L("the review note"), func() bool { return strings.TrimSpace(note.Text) != "" }, nil, func() {
			if err := a.s.svc.ReviewBreakGlass(g.ID, note.Text); err != nil {
				showError(a.s.ws.win, lang.L("Not marked reviewed"), err)
			}
			a.refresh(adminWorklists)
		})
}

func (a *adminView) decideAmendment(r chart.AmendmentRequest) {
	accept := lang.L("Accept")
	decision := widget.NewRadioGroup([]string{accept, lang.L("Deny")}, nil)
	decision.SetSelected(accept)
	reason := newEntry(lang.L("the reason given to the patient (required to deny)"))
	text := newNoteEntry(lang.L("the amendment added to the visit, when accepted"))
	askForm(a.s.ws.win, fmt.Sprintf(lang.L("Amendment request of %s"), a.patientName(r.Patient)),
		container.NewVBox(paragraph(fmt.Sprintf(lang.L("The patient asks: %s"), r.Text)), decision, reason, text), lang.L("Decide"), lang.L("Cancel"), nil, func() {
			if _, err := a.s.svc.DecideAmendment(r.ID, decision.Selected == accept, reason.Text, text.Text); err != nil {
				showError(a.s.ws.win, lang.L("Not decided"), err)
			}
			a.refresh(adminWorklists)
		})
}
