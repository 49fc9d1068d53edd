package ui

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/chart"
	"chartkeeper/internal/words"
)

// unsignedAfterDays is how old an unsigned visit is before it is listed.
const unsignedAfterDays = 3

// worklists shows the HIM manager's queues: each a list whose rows open
// the chart, with the decisions the queue asks for.
func (a *adminView) worklists() fyne.CanvasObject {
	svc := a.s.svc
	box := container.NewVBox(heading("Worklists"))
	section := func(title string, n int, err error) {
		box.Add(widget.NewSeparator())
		switch {
		case err != nil:
			box.Add(&widget.Label{Text: title + ": " + sentence(err), TextStyle: fyne.TextStyle{Bold: true}, Wrapping: fyne.TextWrapWord})
		default:
			box.Add(&widget.Label{Text: fmt.Sprintf("%s (%d)", title, n), TextStyle: fyne.TextStyle{Bold: true}})
			if n == 0 {
				box.Add(paragraph("Nothing waiting."))
			}
		}
	}
	row := func(text string, buttons ...fyne.CanvasObject) {
		box.Add(container.NewBorder(nil, nil, nil, container.NewHBox(buttons...), &widget.Label{Text: text, Wrapping: fyne.TextWrapWord}))
	}
	open := func(patientID string) *widget.Button {
		return &widget.Button{Text: "Open chart", OnTapped: func() { a.s.openChart(patientID) }}
	}

	a.conflictRows(section, row)           // conflicts.go
	a.mrnCollisionRows(section, row, open) // mrn.go

	bgs, err := svc.BreakGlassToReview()
	section("Break-glass access to review", len(bgs), err)
	for _, g := range bgs {
		row(fmt.Sprintf("%s opened %s on %s: %q", g.Username, a.patientName(g.Patient), showWhen(g.At), g.Reason),
			open(g.Patient), &widget.Button{Text: "Reviewed…", Icon: theme.ConfirmIcon(), OnTapped: func() { a.reviewBreakGlass(g) }})
	}

	reqs, err := svc.OpenAmendmentRequests()
	section("Amendment requests to decide", len(reqs), err)
	for _, r := range reqs {
		row(fmt.Sprintf("%s, received %s from %s: %q", a.patientName(r.Patient), r.Received, r.Requester, r.Text),
			open(r.Patient), &widget.Button{Text: "Decide…", OnTapped: func() { a.decideAmendment(r) }})
	}

	unsigned, err := svc.UnsignedVisits(unsignedAfterDays)
	section(fmt.Sprintf("Visits unsigned after %d days", unsignedAfterDays), len(unsigned), err)
	for _, it := range unsigned {
		row(fmt.Sprintf("%s  %s · %s · %s · %s", showDate(it.Visit.Date), it.Patient.Name(), it.Visit.Reason, it.Visit.Clinician, words.Plural(it.Age, "day")), open(it.Patient.ID))
	}

	uncoded, err := svc.UncodedVisits()
	section("Signed visits without codes", len(uncoded), err)
	for _, it := range uncoded {
		row(fmt.Sprintf("%s  %s · %s · %s", showDate(it.Visit.Date), it.Patient.Name(), it.Visit.Reason, it.Visit.Clinician), open(it.Patient.ID))
	}

	docs, err := svc.DocumentsToFile()
	section("Documents waiting to be filed", len(docs), err)
	for _, d := range docs {
		row(fmt.Sprintf("%s  %s · %s", showWhen(d.Received), d.Source, words.Plural(d.Pages, "page")))
	}
	return scroll(box)
}

// patientName names a patient from the finder's memory (not audited).
func (a *adminView) patientName(id string) string {
	if p, ok := a.s.svc.Summary(id); ok {
		return p.Name() + " (MRN " + p.MRN + ")"
	}
	return "a patient"
}

func (a *adminView) reviewBreakGlass(g chart.BreakGlass) {
	note := newEntry("what you found, e.g. emergency confirmed with the clinician")
	askFormKeeping(a.s.ws.win, "Review break-glass access",
		container.NewVBox(paragraph(g.Username+" gave the reason: "+g.Reason), note), "Mark reviewed", "Cancel",
		"the review note", func() bool { return strings.TrimSpace(note.Text) != "" }, nil, func() {
			if err := a.s.svc.ReviewBreakGlass(g.ID, note.Text); err != nil {
				showError(a.s.ws.win, "Not marked reviewed", err)
			}
			a.refresh(adminWorklists)
		})
}

func (a *adminView) decideAmendment(r chart.AmendmentRequest) {
	decision := widget.NewRadioGroup([]string{"Accept", "Deny"}, nil)
	decision.SetSelected("Accept")
	reason := newEntry("the reason given to the patient (required to deny)")
	text := newNoteEntry("the amendment added to the visit, when accepted")
	askForm(a.s.ws.win, "Amendment request of "+a.patientName(r.Patient),
		container.NewVBox(paragraph("The patient asks: "+r.Text), decision, reason, text), "Decide", "Cancel", nil, func() {
			if _, err := a.s.svc.DecideAmendment(r.ID, decision.Selected == "Accept", reason.Text, text.Text); err != nil {
				showError(a.s.ws.win, "Not decided", err)
			}
			a.refresh(adminWorklists)
		})
}
