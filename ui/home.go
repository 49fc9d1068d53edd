package ui

import (
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/chart"
	"chartkeeper/internal/words"
	"chartkeeper/store"
)

// The role homes: where sign-in lands and where "Home" (Ctrl+H) returns.
// Each fills the window under the header and scrolls where it is long;
// "Find a patient" (Ctrl+F) leaves it for the find pane and the chart.
// The coder's home is the coding queue (homecoder.go); the HIM manager's
// has the plots (homehim.go).

// homeListLimit is how many rows a home's list shows.
const homeListLimit = 12

// showHome shows the signed-in role's home in place of the workspace.
func (s *session) showHome() {
	s.chart, s.adm, s.inboxv = nil, nil, nil
	s.coder = nil
	var o fyne.CanvasObject
	switch s.user.Role {
	case store.RoleFrontDesk:
		o = s.frontDeskHome()
	case store.RoleClinician:
		o = s.clinicianHome()
	case store.RoleCoder:
		o = s.coderHome()
	case store.RoleHIM:
		o = s.himHome()
	default:
		o = scroll(container.NewPadded(s.welcome()))
	}
	s.body.Objects = []fyne.CanvasObject{o}
	s.body.Refresh()
	s.atHome = true
	s.panes.showToggle() // a home has no panes to go between
	s.focusHome()
}

// focusHome puts the cursor where the home is worked from: the coder's
// code search. Other homes start from their buttons (Ctrl+F finds).
func (s *session) focusHome() {
	if s.coder != nil && s.coder.codes != nil {
		if c := s.ws.win.Canvas(); c != nil {
			c.Focus(s.coder.codes.search)
		}
	}
}

// goHome returns to the home, asking first about an open form's changes.
func (s *session) goHome() {
	s.touch()
	if s.asked(s.goHome) {
		return
	}
	s.showHome()
}

// toWorkspace shows the find pane and the detail pane in place of the home.
func (s *session) toWorkspace() {
	if !s.atHome {
		return
	}
	s.atHome = false
	s.body.Objects = []fyne.CanvasObject{s.work}
	s.body.Refresh()
	s.panes.refit()
}

// findFromHome leaves the home for the find pane, the cursor in its entry.
// From the workspace it only moves the cursor there (a narrow window
// shows the find pane in place of the detail pane): an open form stays
// as it is, so nothing is asked.
func (s *session) findFromHome() {
	s.touch()
	if s.atHome && s.asked(s.findFromHome) {
		return
	}
	if s.atHome {
		s.coder = nil
		s.showWelcome()
	}
	s.find.focus()
}

// homeActions is the row of buttons at the top of every home: find, and
// what else the role starts from. It wraps onto a second line in a narrow
// window.
func (s *session) homeActions() fyne.CanvasObject {
	row := container.New(layout.NewRowWrapLayout(), &widget.Button{Text: lang.L("Find a patient (Ctrl+F)"), Icon: theme.SearchIcon(), Importance: widget.HighImportance, OnTapped: s.findFromHome})
	if chart.Allowed(s.user.Role, chart.WriteDemographics) {
		row.Add(&widget.Button{Text: lang.L("New patient (Ctrl+N)"), Icon: theme.ContentAddIcon(), OnTapped: s.register})
	}
	if chart.Allowed(s.user.Role, chart.FileDocuments) {
		row.Add(&widget.Button{Text: lang.L("Inbox"), Icon: theme.MailComposeIcon(), OnTapped: s.showInbox})
	}
	if chart.Allowed(s.user.Role, chart.Administer) {
		row.Add(&widget.Button{Text: lang.L("Administration"), Icon: theme.SettingsIcon(), OnTapped: s.admin})
	}
	return row
}

// homePage is a home's frame: the greeting and actions above columns that
// scroll together.
func (s *session) homePage(cols ...fyne.CanvasObject) fyne.CanvasObject {
	top := container.NewVBox(heading(fmt.Sprintf(lang.L("Welcome, %s"), s.user.Name)), s.homeActions(), widget.NewSeparator())
	return border(container.NewPadded(top), nil, nil, nil, scroll(container.NewPadded(container.NewGridWithColumns(len(cols), cols...))))
}

// homeSection is a section's title, in bold.
func homeSection(title string) fyne.CanvasObject {
	return container.NewVBox(widget.NewSeparator(), &widget.Label{Text: title, TextStyle: fyne.TextStyle{Bold: true}, Wrapping: fyne.TextWrapWord})
}

// homeRow is one line of a home's list with a button at its end; the text
// is cut short with an ellipsis rather than widening the home.
func homeRow(text, button string, tapped func()) fyne.CanvasObject {
	l := &widget.Label{Text: text, Truncation: fyne.TextTruncateEllipsis}
	return container.NewBorder(nil, nil, nil, &widget.Button{Text: button, Importance: widget.LowImportance, OnTapped: tapped}, l)
}

// patientLine is "Name · MRN 1234567 · 1980-04-02 · 45 years · F".
func homePatientLine(p chart.PatientSummary) string {
	return ordered(fmt.Sprintf(lang.L("%s · MRN %s · %s"), p.Name(), p.MRN, bornText(p)))
}

// ago says how long ago t was, in words: "5 minutes", "3 hours", "2 days".
func ago(t time.Time) string {
	d := now().Sub(t)
	switch {
	case d < time.Minute:
		return lang.L("less than a minute")
	case d < time.Hour:
		return homeCount(int(d/time.Minute), lang.L("1 minute"), lang.L("%d minutes"))
	case d < 48*time.Hour:
		return homeCount(int(d/time.Hour), lang.L("1 hour"), lang.L("%d hours"))
	}
	return homeCount(int(d/(24*time.Hour)), lang.L("1 day"), lang.L("%d days"))
}

// homeCount is one when n is 1, else many (a "%d …" in the language
// shown) with n.
func homeCount(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return fmt.Sprintf(many, n)
}

// whenText is "today 14:32", or "2026-03-01 14:32" another day.
func whenText(t time.Time) string {
	t = t.Local()
	n := now()
	if y, m, d := t.Date(); y == n.Year() && m == n.Month() && d == n.Day() {
		return fmt.Sprintf(lang.L("today %s"), t.Format("15:04"))
	}
	return showDateTime(t.Format("2006-01-02 15:04"))
}

// inboxSection says how many documents wait to be filed and since when.
func (s *session) inboxSection() fyne.CanvasObject {
	box := container.NewVBox(homeSection(lang.L("Documents waiting to be filed")))
	n, oldest, err := s.svc.InboxWaiting()
	switch {
	case err != nil:
		box.Add(paragraph(sentence(err)))
	case n == 0:
		box.Add(paragraph(lang.L("Nothing waits to be filed.")))
	default:
		text := fmt.Sprintf(lang.L("%d documents wait to be filed; the oldest arrived %s ago (%s)."), n, ago(oldest), whenText(oldest))
		if n == 1 {
			text = fmt.Sprintf(lang.L("1 document waits to be filed; the oldest arrived %s ago (%s)."), ago(oldest), whenText(oldest))
		}
		box.Add(paragraph(text))
		if chart.Allowed(s.user.Role, chart.FileDocuments) {
			box.Add(container.NewHBox(&widget.Button{Text: lang.L("File them in the inbox"), Icon: theme.MailComposeIcon(), OnTapped: s.showInbox}))
		}
	}
	return box
}

// recentSection lists the charts this user opened lately here.
func (s *session) recentSection() fyne.CanvasObject {
	box := container.NewVBox(homeSection(lang.L("Recent patients")))
	ps, err := s.svc.RecentPatients(homeListLimit)
	switch {
	case err != nil:
		box.Add(paragraph(sentence(err)))
	case len(ps) == 0:
		box.Add(paragraph(lang.L("The charts you open on this workstation will be listed here.")))
	}
	for _, p := range ps {
		box.Add(homeRow(homePatientLine(p), lang.L("Open"), func() { s.openChart(p.ID) }))
	}
	return box
}

// frontDeskHome: documents to file, today's registrations, recent patients.
func (s *session) frontDeskHome() fyne.CanvasObject {
	left := container.NewVBox(s.inboxSection())
	n, regs, err := s.svc.RegisteredToday(homeListLimit)
	left.Add(homeSection(fmt.Sprintf(lang.L("Registered today (%d)"), n)))
	switch {
	case err != nil:
		left.Add(paragraph(sentence(err)))
	case n == 0:
		left.Add(paragraph(lang.L("No one has been registered today yet.")))
	}
	for _, p := range regs {
		left.Add(homeRow(homePatientLine(p), lang.L("Open"), func() { s.openChart(p.ID) }))
	}
	if n > len(regs) {
		left.Add(paragraph(fmt.Sprintf(lang.L("and %d more."), n-len(regs))))
	}
	return s.homePage(left, s.recentSection())
}

// clinicianHome: my unsigned notes, new results and what was filed to my
// patients since I last signed in, recent patients.
func (s *session) clinicianHome() fyne.CanvasObject {
	left := container.NewVBox()
	n, notes, err := s.svc.MyUnsignedVisits(homeListLimit)
	left.Add(homeSection(fmt.Sprintf(lang.L("My unsigned notes (%d), oldest first"), n)))
	switch {
	case err != nil:
		left.Add(paragraph(sentence(err)))
	case n == 0:
		left.Add(paragraph(lang.L("Every note you wrote is signed.")))
	}
	for _, it := range notes {
		text := ordered(strings.Join(words.NonEmpty(showDate(it.Visit.Date), it.Patient.Name(), it.Visit.Reason, ageDays(it.Age)), " · "))
		left.Add(homeRow(text, lang.L("Open"), func() { s.openVisitOf(it.Visit) }))
	}
	if n > len(notes) {
		left.Add(paragraph(fmt.Sprintf(lang.L("and %d more."), n-len(notes))))
	}
	since := s.lastSignIn
	if since.IsZero() {
		since = now().AddDate(0, 0, -7)
	}
	right := container.NewVBox(s.newResultsSection(since))
	title := lang.L("Filed to your patients lately")
	if !s.lastSignIn.IsZero() {
		title = fmt.Sprintf(lang.L("Filed to your patients since you last signed in (%s)"), whenText(s.lastSignIn))
	}
	filed, err := s.svc.FiledToMyPatients(since, homeListLimit)
	right.Add(homeSection(title))
	switch {
	case err != nil:
		right.Add(paragraph(sentence(err)))
	case len(filed) == 0:
		right.Add(paragraph(lang.L("Nothing new was filed to the patients you have seen.")))
	}
	for _, it := range filed {
		cat := it.Document.Category
		if c, ok := chart.CategoryByName(cat); ok {
			cat = c.Title
		}
		text := ordered(strings.Join(words.NonEmpty(it.Patient.Name(), cat, it.Document.Title, whenText(it.Document.FiledAt)), " · "))
		right.Add(homeRow(text, lang.L("Open chart"), func() { s.openChart(it.Document.Patient) }))
	}
	right.Add(s.recentSection())
	if chart.Allowed(s.user.Role, chart.FileDocuments) {
		left.Add(s.inboxSection())
	}
	return s.homePage(left, right)
}

// newResultsSection lists the results filed to the clinician's patients
// since they last signed in and not looked at since, those outside their
// range first.
func (s *session) newResultsSection(since time.Time) fyne.CanvasObject {
	if !chart.Allowed(s.user.Role, chart.ReadClinical) {
		return container.NewVBox()
	}
	n, items, err := s.svc.NewResultsForMyPatients(since, homeListLimit)
	title := fmt.Sprintf(lang.L("New results for your patients (%d)"), n)
	if n > 0 {
		flagged := 0
		for _, it := range items {
			if it.Result.Abnormal() {
				flagged++
			}
		}
		if flagged > 0 {
			title = fmt.Sprintf(lang.L("New results for your patients (%d), outside their range first"), n)
		}
	}
	box := container.NewVBox(homeSection(title))
	switch {
	case err != nil:
		box.Add(paragraph(sentence(err)))
	case n == 0:
		box.Add(paragraph(lang.L("No new results for the patients you have seen.")))
	}
	for _, it := range items {
		r := it.Result
		value := localNumbers(r.ValueText())
		if r.Abnormal() {
			value += " (" + r.Flag + ")"
		}
		more := ""
		if it.Others > 0 {
			more = fmt.Sprintf(lang.L("and %d earlier"), it.Others)
		}
		text := ordered(strings.Join(words.NonEmpty(it.Patient.Name(), clip(r.Name, 32), value, showDay(r.Taken), more), " · "))
		l := &widget.Label{Text: text, Truncation: fyne.TextTruncateEllipsis}
		if r.Abnormal() {
			l.Importance = widget.DangerImportance
		}
		box.Add(container.NewBorder(nil, nil, nil, &widget.Button{Text: lang.L("Open results"), Importance: widget.LowImportance, OnTapped: func() { s.openResultOf(it) }}, l))
	}
	shown := 0
	for _, it := range items {
		shown += 1 + it.Others
	}
	if n > shown {
		box.Add(paragraph(fmt.Sprintf(lang.L("and %d more."), n-shown)))
	}
	return box
}

// openResultOf opens the chart at its Results tab, on the result's test;
// the home then counts the patient's results as looked at.
func (s *session) openResultOf(it chart.ResultItem) {
	id := it.Patient.ID
	if id == "" {
		id = it.Result.Patient
	}
	s.openChart(id)
	v := s.chart
	if v == nil || v.c.Patient.ID != id {
		return
	}
	v.tabs.SelectIndex(tabResults)
	if v.labTrend != nil {
		v.labTrend.show(it.Result.TestKey())
	}
}

// ageDays is "today" for 0, else "3 days".
func ageDays(n int) string {
	if n <= 0 {
		return lang.L("today")
	}
	return homeCount(n, lang.L("1 day"), lang.L("%d days"))
}

// openVisitOf opens a visit in its patient's chart.
func (s *session) openVisitOf(visit chart.Visit) {
	s.openChart(visit.Patient)
	v := s.chart
	if v == nil || v.c.Patient.ID != visit.Patient {
		return
	}
	v.tabs.SelectIndex(tabVisits)
	for _, cv := range v.c.Visits {
		if cv.ID == visit.ID {
			v.openVisit(cv)
			return
		}
	}
}
