package ui

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/chart"
	"chartkeeper/internal/words"
)

// duplicateLimit is how many candidate pairs the duplicates screen lists.
const duplicateLimit = 200

// duplicates lists likely duplicate patients; each pair opens side by side.
func (a *adminView) duplicates() fyne.CanvasObject {
	pairs, err := a.s.svc.DuplicateCandidates(duplicateLimit)
	if err != nil {
		return scroll(paragraph(sentence(err)))
	}
	box := container.NewVBox(heading(lang.L("Likely duplicate patients")),
		paragraph(lang.L("Only a person can tell whether two records are one patient. Compare them, then merge the duplicate into the record to keep; a merge can be undone. "+
			"Two people marked not the same person leave the list until an HIM manager undoes it.")))
	if len(pairs) == 0 {
		box.Add(paragraph(lang.L("No likely duplicates.")))
	}
	for _, p := range pairs {
		box.Add(container.NewBorder(nil, nil, nil,
			container.NewHBox(
				&widget.Button{Text: lang.L("Compare…"), OnTapped: func() { a.compare(p.A.ID, p.B.ID) }},
				&widget.Button{Text: lang.L("Not the same person…"), OnTapped: func() { a.notDuplicate(p.A, p.B) }}),
			container.NewVBox(
				&widget.Label{Text: ordered(p.A.MRN + "  " + p.A.Name() + "  " + bornText(p.A) + "   ↔   " +
					p.B.MRN + "  " + p.B.Name() + "  " + bornText(p.B)), Wrapping: fyne.TextWrapWord},
				&widget.Label{Text: fmt.Sprintf(lang.L("Why: %s"), duplicateWhy(p)), Wrapping: fyne.TextWrapWord, Importance: widget.LowImportance})))
	}
	a.notDuplicates(box)
	return scroll(box)
}

// duplicateWhy says what two likely duplicates share ("similar name, same
// birth date"), in the workstation's language.
func duplicateWhy(p chart.DuplicatePair) string {
	out := make([]string, len(p.Reasons))
	for i, r := range p.Reasons {
		switch r {
		case "similar name": // i18n:skip
			out[i] = lang.L("similar name")
		case "same birth date": // i18n:skip
			out[i] = lang.L("same birth date")
		case "same phone": // i18n:skip
			out[i] = lang.L("same phone")
		default:
			out[i] = r
		}
	}
	return strings.Join(out, ", ")
}

// notDuplicate asks for the reason before marking two patients not the
// same person, then shows the list without them.
func (a *adminView) notDuplicate(x, y chart.PatientSummary) {
	a.s.touch()
	w := a.s.ws.win
	reason := newEntry(lang.L("why they are not the same person"))
	reason.onActivity = a.s.touch
	f := newForm()
	f.add(lang.L("Reason"), "reason", reason)
	content := container.NewVBox(
		paragraph(fmt.Sprintf(lang.L("%s (MRN %s) and %s (MRN %s) will no longer be listed as likely duplicates, on any workstation, until an HIM manager undoes it. The decision and its reason are kept in the audit log."), x.Name(), x.MRN, y.Name(), y.MRN)),
		f.content())
	askFormKeeping(w, lang.L("Not the same person?"), content, lang.L("Mark not the same person"), lang.L("Keep them listed"),
		lang.L("the reason they are not the same person"), func() bool { return strings.TrimSpace(reason.Text) != "" },
		func() bool {
			a.s.touch()
			if err := a.s.svc.MarkNotDuplicate(x.ID, y.ID, reason.Text); err != nil {
				f.show(err)
				return false
			}
			return true
		}, func() { a.refresh(adminDuplicates) })
	w.Canvas().Focus(reason)
}

// notDuplicates lists the pairs marked not the same person, each with a
// way to undo the decision.
func (a *adminView) notDuplicates(box *fyne.Container) {
	pairs, err := a.s.svc.NotDuplicates()
	if err != nil || len(pairs) == 0 {
		return
	}
	box.Add(widget.NewSeparator())
	box.Add(heading(lang.L("Marked not the same person")))
	for _, p := range pairs {
		box.Add(container.NewBorder(nil, nil, nil,
			&widget.Button{Text: lang.L("Undo…"), Icon: theme.ContentUndoIcon(), OnTapped: func() { a.undoNotDuplicate(p) }},
			container.NewVBox(
				&widget.Label{Text: ordered(p.A.MRN + "  " + p.A.Name() + "  " + bornText(p.A) + "   ↔   " +
					p.B.MRN + "  " + p.B.Name() + "  " + bornText(p.B)), Wrapping: fyne.TextWrapWord},
				&widget.Label{Text: fmt.Sprintf(lang.L("Reason: %s"), p.Reason), Wrapping: fyne.TextWrapWord, Importance: widget.LowImportance})))
	}
}

// undoNotDuplicate asks for the reason, then lists the pair again.
func (a *adminView) undoNotDuplicate(p chart.NotDuplicatePair) {
	a.s.touch()
	w := a.s.ws.win
	reason := newEntry(lang.L("why they may be the same person after all"))
	reason.onActivity = a.s.touch
	f := newForm()
	f.add(lang.L("Reason"), "reason", reason)
	content := container.NewVBox(
		paragraph(fmt.Sprintf(lang.L("%s (MRN %s) and %s (MRN %s) were marked not the same person: %s. "+
			"Undoing it lists them as likely duplicates again, on every workstation. The undo and its reason are kept in the audit log."), p.A.Name(), p.A.MRN, p.B.Name(), p.B.MRN, p.Reason)),
		f.content())
	askFormKeeping(w, lang.L("Undo not the same person?"), content, lang.L("Undo"), lang.L("Keep the decision"),
		lang.L("the reason to undo"), func() bool { return strings.TrimSpace(reason.Text) != "" },
		func() bool {
			a.s.touch()
			if err := a.s.svc.UndoNotDuplicate(p.A.ID, p.B.ID, reason.Text); err != nil {
				f.show(err)
				return false
			}
			return true
		}, func() { a.refresh(adminDuplicates) })
	w.Canvas().Focus(reason)
}

// compare shows two patients side by side, with a merge either way.
func (a *adminView) compare(leftID, rightID string) {
	s := a.s
	left, err := s.svc.Patient(leftID)
	if err == nil {
		var right chart.Patient
		if right, err = s.svc.Patient(rightID); err == nil {
			a.showPair(left, right)
			return
		}
	}
	showError(s.ws.win, lang.L("The patients could not be read"), err)
}

func (a *adminView) showPair(left, right chart.Patient) {
	reason := newEntry(lang.L("why they are the same person"))
	reason.onActivity = a.s.touch
	f := newForm()
	f.add(lang.L("Reason"), "reason", reason)
	// The reason typed is unsaved work: leaving asks first (no Save: a
	// merge must choose which record to keep).
	t := newSettingsTracker(a.s, fmt.Sprintf(lang.L("the reason to merge %s and %s"), left.Name(), right.Name()))
	t.entry("reason", reason)
	merge := func(keep, dup chart.Patient) func() {
		return func() {
			a.s.touch()
			if err := a.s.svc.MergePatients(keep.ID, dup.ID, reason.Text); err != nil {
				f.show(err)
				return
			}
			t.drop()
			a.merged(keep, dup)
		}
	}
	back := &widget.Button{Text: lang.L("Back to the list"), OnTapped: func() { a.s.leave(func() { a.refresh(adminDuplicates) }) }}
	reason.onEscape = back.OnTapped
	grid := container.NewGridWithColumns(2, patientCard(left), patientCard(right))
	a.panes[adminDuplicates].Objects = []fyne.CanvasObject{scroll(container.NewVBox(
		heading(lang.L("Compare")), grid,
		f.content(),
		container.NewHBox(
			&widget.Button{Text: lang.L("Keep left, merge right into it"), Icon: theme.NavigateBackIcon(), OnTapped: merge(left, right)},
			&widget.Button{Text: lang.L("Keep right, merge left into it"), Icon: theme.NavigateNextIcon(), OnTapped: merge(right, left)}),
		container.NewHBox(
			&widget.Button{Text: lang.L("Not the same person…"), OnTapped: func() {
				a.s.leave(func() { a.notDuplicate(left.Summary(), right.Summary()) })
			}},
			back),
	))}
	a.panes[adminDuplicates].Refresh()
}

// merged says what was merged and offers to undo it.
func (a *adminView) merged(keep, dup chart.Patient) {
	reason := newEntry(lang.L("why the merge is undone"))
	reason.onActivity = a.s.touch
	f := newForm()
	f.add(lang.L("Reason to undo"), "reason", reason)
	t := newSettingsTracker(a.s, lang.L("the reason to undo the merge"))
	t.entry("reason", reason)
	t.save = func() error {
		err := a.s.svc.UndoMerge(dup.ID, reason.Text)
		if err != nil {
			f.show(err)
		}
		return err
	}
	undo := func() {
		if t.Save() == nil {
			a.refresh(adminDuplicates)
		}
	}
	reason.onEscape = func() { a.s.leave(func() { a.refresh(adminDuplicates) }) }
	a.panes[adminDuplicates].Objects = []fyne.CanvasObject{scroll(container.NewVBox(
		heading(lang.L("Merged")),
		paragraph(fmt.Sprintf(lang.L("%s (MRN %s) is now part of the chart of %s (MRN %s). "+
			"Their MRN leads to that chart; nothing was moved or rewritten."), dup.Name(), dup.MRN, keep.Name(), keep.MRN)),
		container.NewHBox(&widget.Button{Text: lang.L("Open the chart"), OnTapped: func() { a.s.openChart(keep.ID) }},
			&widget.Button{Text: lang.L("Back to the list"), OnTapped: func() { a.refresh(adminDuplicates) }}),
		widget.NewSeparator(),
		f.content(),
		container.NewHBox(&widget.Button{Text: lang.L("Undo merge"), Icon: theme.ContentUndoIcon(), OnTapped: undo}),
	))}
	a.panes[adminDuplicates].Refresh()
}

// patientCard shows one patient's demographics for comparison.
func patientCard(p chart.Patient) fyne.CanvasObject {
	rows := [][2]string{
		{lang.L("MRN"), p.MRN}, {lang.L("Name"), p.Name()}, {lang.L("Preferred"), p.Preferred}, {lang.L("Born"), showDate(p.DOB)}, {lang.L("Sex"), sexTitle(p.Sex)},
		{lang.L("Phone"), p.Phone}, {lang.L("Address"), strings.Join(words.NonEmpty(p.Address.Line, p.Address.City, p.Address.Region, p.Address.PostalCode), ", ")},
		{lang.L("Language"), p.Language}, {lang.L("Emergency contact"), strings.Join(words.NonEmpty(p.Emergency.Name, p.Emergency.Relation, p.Emergency.Phone), " · ")},
	}
	for _, id := range p.Identifiers {
		rows = append(rows, [2]string{id.System, id.Value})
	}
	grid := container.New(layout.NewFormLayout())
	for _, r := range rows {
		if r[1] == "" {
			r[1] = "—"
		}
		label := &widget.Label{Text: r[0], TextStyle: fyne.TextStyle{Bold: true}}
		if len([]rune(r[0])) > len([]rune(lang.L("Emergency contact"))) {
			// An identifier's system (often a URL from another EHR) is
			// cut to the column the other labels make, never widening it.
			label.Truncation = fyne.TextTruncateEllipsis
		}
		grid.Add(label)
		grid.Add(&widget.Label{Text: r[1], Wrapping: fyne.TextWrapWord})
	}
	// The name wraps rather than widening the card: two cards side by
	// side must fit the narrowest screen.
	title := &widget.Label{Text: ordered(p.Name()), TextStyle: fyne.TextStyle{Bold: true}, Wrapping: fyne.TextWrapWord, SizeName: theme.SizeNameSubHeadingText}
	return &widget.Card{Content: container.NewVBox(title, grid)}
}
