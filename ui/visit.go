package ui

import (
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/chart"
	"chartkeeper/internal/words"
)

// showVisits puts the table of visits in the visits tab: newest first,
// sortable by each column; a row opens its visit.
func (v *chartView) showVisits() {
	var top []fyne.CanvasObject
	if chart.Allowed(v.s.user.Role, chart.WriteClinical) {
		top = append(top, container.NewHBox(&widget.Button{Text: "New visit", Icon: theme.ContentAddIcon(), Importance: widget.HighImportance,
			OnTapped: v.newVisit}))
	}
	if len(v.c.Visits) == 0 {
		v.setVisitPane(scroll(container.NewVBox(append(top, paragraph("No visits recorded."))...)))
		return
	}
	vs := v.c.Visits
	t := newRecordTable([]tableColumn{
		{title: "Date", newest: true, width: 95, text: func(i int) string { return showDate(vs[i].Date) },
			key: func(i int) string { return vs[i].Date + vs[i].ID }},
		{title: "Reason", width: 170, grow: true, text: func(i int) string { return vs[i].Reason }},
		{title: "Clinician", width: 130, text: func(i int) string { return vs[i].Clinician }},
		{title: "Diagnosis", width: 80, text: func(i int) string { return primaryCode(vs[i]) }},
		{title: "Note", width: 90, text: func(i int) string { return visitState(vs[i]) }},
	}, len(vs), 0, func(i int) { v.openVisit(vs[i]) })
	v.tables[tabVisits] = t
	if len(top) == 0 {
		v.setVisitPane(t)
		return
	}
	v.setVisitPane(border(container.NewVBox(top...), nil, nil, nil, t))
}

// primaryCode is the code of a visit's primary diagnosis, with its dot.
func primaryCode(visit chart.Visit) string {
	for _, d := range visit.Diagnoses {
		if d.Primary {
			return codeText(d.Code)
		}
	}
	return ""
}

// newVisit opens the editor of a new visit, today.
func (v *chartView) newVisit() {
	v.s.touch()
	if v.s.asked(v.newVisit) {
		return
	}
	v.editVisit(chart.Visit{Meta: chart.Meta{Patient: v.c.Patient.ID}, Date: time.Now().Format(time.DateOnly)})
}

// backToVisits leaves the open visit for the list, asking first when the
// note was changed.
func (v *chartView) backToVisits() {
	v.s.touch()
	f := v.s.form
	v.s.leave(func() {
		if f != nil && f.saved {
			v.reopenAt(tabVisits) // read again, with the note just saved
			return
		}
		v.showVisits()
	})
}

func (v *chartView) setVisitPane(o fyne.CanvasObject) {
	v.visits.Objects = []fyne.CanvasObject{o}
	v.visits.Refresh()
}

// openVisit shows a visit: the editor while it is unsigned and the role
// may write, else the note as signed, with its amendments.
func (v *chartView) openVisit(visit chart.Visit) {
	v.s.touch()
	if v.s.asked(func() { v.openVisit(visit) }) {
		return
	}
	if !visit.Signed && chart.Allowed(v.s.user.Role, chart.WriteClinical) {
		v.editVisit(visit)
		return
	}
	v.showSigned(visit)
}

// visitEditor edits an unsigned visit note.
type visitEditor struct {
	v                       *chartView
	visit                   chart.Visit
	date, reason            *entry
	subj, obj, assess, plan *entry
	form                    *form
	t                       *tracker // unsaved changes and the draft (drafts.go)
}

func (v *chartView) editVisit(visit chart.Visit) {
	e := &visitEditor{v: v, visit: visit}
	banner := newTracker(v.s, "", "", "").banner
	mk := func(e2 *entry, text string) *entry {
		e2.SetText(text)
		e2.onEscape = v.backToVisits
		e2.onActivity = v.s.touch
		return e2
	}
	e.date = mk(newEntry("YYYY-MM-DD"), visit.Date)
	e.reason = mk(newEntry("why the patient came"), visit.Reason)
	e.date.OnSubmitted = func(string) { e.onSave() }
	e.reason.OnSubmitted = func(string) { e.onSave() }
	e.subj = mk(newNoteEntry("what the patient reports"), visit.Subjective)
	e.obj = mk(newNoteEntry("examination and findings"), visit.Objective)
	e.assess = mk(newNoteEntry("assessment"), visit.Assessment)
	e.plan = mk(newNoteEntry("plan"), visit.Plan)
	e.form = newForm()
	e.form.add("Date", "date", e.date)
	e.form.add("Reason", "reason", e.reason)
	e.form.add("Subjective", "subjective", e.subj)
	e.form.add("Objective", "objective", e.obj)
	e.form.add("Assessment", "assessment", e.assess)
	e.form.add("Plan", "plan", e.plan)
	e.form.alias("note", "subjective") // an empty note is refused at signing
	title := "New visit"
	if visit.ID != "" {
		title = "Visit of " + showDate(visit.Date) + " (not signed)"
	}
	buttons := container.NewHBox(&widget.Button{Text: "Save", Icon: theme.DocumentSaveIcon(), Importance: widget.HighImportance, OnTapped: e.onSave})
	if chart.Allowed(v.s.user.Role, chart.SignVisit) {
		buttons.Add(&widget.Button{Text: "Sign…", Icon: theme.ConfirmIcon(), OnTapped: e.onSign})
	}
	if visit.ID != "" && chart.Allowed(v.s.user.Role, chart.WriteCodes) {
		buttons.Add(&widget.Button{Text: "Codes…", Icon: theme.ListIcon(), OnTapped: func() { v.s.leave(func() { v.codeVisit(e.visit) }) }})
	}
	buttons.Add(&widget.Button{Text: "Back to visits", OnTapped: v.backToVisits})
	v.setVisitPane(scroll(container.NewVBox(heading(title), banner, e.form.content(), buttons)))
	e.track(banner)
	v.s.ws.win.Canvas().Focus(e.reason)
}

// track follows the note's unsaved changes from what the fields hold now,
// and puts back the user's draft of it, if any.
func (e *visitEditor) track(banner *widget.Label) {
	p := e.v.c.Patient
	e.t = newTracker(e.v.s, draftKey("visit", p.ID, e.visit.ID), "the visit note for "+p.Name(), p.ID)
	e.t.banner = banner
	for _, f := range []struct {
		name string
		e    *entry
	}{{"date", e.date}, {"reason", e.reason}, {"subjective", e.subj}, {"objective", e.obj}, {"assessment", e.assess}, {"plan", e.plan}} {
		e.t.entry(f.name, f.e)
	}
	e.t.save = e.store
	e.t.start()
}

// fill copies the fields into the visit.
func (e *visitEditor) fill() {
	e.visit.Date, e.visit.Reason = entryDate(e.date.Text), e.reason.Text
	e.visit.Subjective, e.visit.Objective = e.subj.Text, e.obj.Text
	e.visit.Assessment, e.visit.Plan = e.assess.Text, e.plan.Text
}

// store saves the note through the service; field errors appear under
// their fields.
func (e *visitEditor) store() error {
	e.v.s.touch()
	e.fill()
	visit := e.visit
	if err := e.v.s.svc.SaveVisit(&visit); err != nil {
		e.form.show(err)
		return err
	}
	e.visit = visit
	e.form.clear()
	return nil
}

// save stores the note and removes its draft; it reports whether it was
// stored.
func (e *visitEditor) save() bool { return e.t.Save() == nil }

func (e *visitEditor) onSave() {
	if e.save() {
		e.v.reopen(e.visit.ID)
	}
}

// onSign asks for confirmation, saves the note and signs it.
func (e *visitEditor) onSign() {
	w := e.v.s.ws.win
	confirmAction(w, "Sign this visit note?",
		"Once signed, the note can no longer change; corrections become amendments that keep it as signed.",
		"Sign note", "Keep editing",
		func() {
			if !e.save() {
				return
			}
			signed, err := e.v.s.svc.SignVisit(e.visit.ID, e.visit.Rev)
			if err != nil {
				e.form.show(err)
				e.t.banner.Hide()
				e.track(e.t.banner) // the note stays open, saved: follow it again
				return
			}
			e.v.reopen(signed.ID)
		})
}

// reopen reads the chart again and shows one visit in it.
func (v *chartView) reopen(visitID string) {
	v.s.openChart(v.c.Patient.ID)
	nv := v.s.chart
	if nv == nil {
		return
	}
	nv.tabs.SelectIndex(4)
	for _, visit := range nv.c.Visits {
		if visit.ID == visitID {
			nv.openVisit(visit)
		}
	}
}

// showSigned shows a visit as it stands, with its amendments, and lets a
// clinician amend a signed one.
func (v *chartView) showSigned(visit chart.Visit) {
	state := "Not signed yet."
	if visit.Signed {
		state = "Signed by " + visit.SignedBy + " on " + showWhen(visit.SignedAt) + "."
	}
	parts := []fyne.CanvasObject{
		heading("Visit of " + showDate(visit.Date) + ": " + visit.Reason),
		paragraph("Clinician: " + visit.Clinician + ". " + state),
	}
	for _, sec := range [][2]string{{"Subjective", visit.Subjective}, {"Objective", visit.Objective}, {"Assessment", visit.Assessment}, {"Plan", visit.Plan}} {
		if sec[1] != "" {
			parts = append(parts, &widget.Label{Text: sec[0], TextStyle: fyne.TextStyle{Bold: true}}, paragraph(sec[1]))
		}
	}
	for _, d := range visit.Diagnoses {
		primary := ""
		if d.Primary {
			primary = " (primary)"
		}
		parts = append(parts, paragraph("Diagnosis: "+codeText(d.Code)+" "+d.Description+primary))
	}
	for _, p := range visit.Procedures {
		parts = append(parts, paragraph("Procedure: "+strings.Join(words.NonEmpty(p.Code, p.Description), " ")))
	}
	for _, a := range v.c.AmendmentsOf(visit.ID) {
		parts = append(parts, widget.NewSeparator(),
			&widget.Label{Text: "Amendment by " + a.Author + " on " + showWhen(a.At) + ": " + a.Reason, TextStyle: fyne.TextStyle{Bold: true}, Wrapping: fyne.TextWrapWord},
			paragraph(a.Text))
	}
	// The buttons wrap onto a second row where the pane is narrow.
	buttons := container.New(layout.NewRowWrapLayout())
	if visit.Signed && chart.Allowed(v.s.user.Role, chart.SignVisit) {
		buttons.Add(&widget.Button{Text: "Amend…", Icon: theme.DocumentCreateIcon(), OnTapped: func() { v.amend(visit) }})
	}
	if chart.Allowed(v.s.user.Role, chart.WriteCodes) && !v.c.BreakGlass {
		buttons.Add(&widget.Button{Text: "Code this visit…", Icon: theme.ListIcon(), OnTapped: func() { v.codeVisit(visit) }})
	}
	if chart.Allowed(v.s.user.Role, chart.PrintClinical) {
		buttons.Add(&widget.Button{Text: "Print note…", Icon: theme.DocumentPrintIcon(), OnTapped: func() { v.printVisit(visit) }})
	}
	buttons.Add(&widget.Button{Text: "Back to visits", OnTapped: v.backToVisits})
	parts = append(parts, buttons)
	v.setVisitPane(scroll(container.NewVBox(parts...)))
}

// amend asks for the amendment's text and reason and adds it. What is
// typed is kept as a draft like any form's; Cancel asks before throwing it
// away.
func (v *chartView) amend(visit chart.Visit) {
	v.s.touch()
	if v.s.asked(func() { v.amend(visit) }) {
		return
	}
	p := v.c.Patient
	t := newTracker(v.s, draftKey("amend", p.ID, visit.ID), "the amendment to the visit of "+showDate(visit.Date)+" for "+p.Name(), p.ID)
	text := newNoteEntry("the correction or addition")
	reason := newEntry("why it is needed")
	text.onActivity, reason.onActivity = v.s.touch, v.s.touch
	f := newForm()
	f.add("Amendment", "text", text)
	f.add("Reason", "reason", reason)
	var d *modal
	t.save = func() error {
		_, err := v.s.svc.AmendVisit(visit.ID, text.Text, reason.Text)
		if err != nil {
			f.show(err)
		}
		return err
	}
	add := func() {
		if t.Save() == nil {
			d.close()
			v.reopen(visit.ID)
		}
	}
	cancel := func() {
		v.s.touch()
		v.s.leave(func() {
			d.close()
			if t.saved {
				v.reopen(visit.ID)
			}
		})
	}
	text.onEscape, reason.onEscape = cancel, cancel
	content := container.NewVBox(t.banner, paragraph("The signed note stays as it is; the amendment is shown with it."), f.content())
	// Both buttons decide themselves when the dialog closes: Cancel may
	// first ask about the typed text, Add keeps it open on a refusal.
	d = openModal(v.s.ws.win, "Amend the visit of "+showDate(visit.Date), content,
		&action{text: "Cancel", icon: theme.CancelIcon(), check: func() bool { cancel(); return false }},
		&action{text: "Add amendment", icon: theme.ConfirmIcon(), imp: widget.HighImportance, check: func() bool { add(); return false }})
	d.field(reason)
	text.onEscape = cancel
	d.d.Resize(fyne.NewSize(560, 360))
	t.entry("text", text)
	t.entry("reason", reason)
	t.start()
	v.s.ws.win.Canvas().Focus(text)
}
