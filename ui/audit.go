package ui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/chart"
	"chartkeeper/internal/words"
	"chartkeeper/store"
)

// auditLimit is how many entries the audit viewer lists, newest first.
const auditLimit = 1000

// auditView lists the audit log with filters, and checks the integrity of
// the whole store. Reading the log is itself audited by the service.
type auditView struct {
	s                           *session
	user, mrn, action, from, to *entry
	count                       *widget.Label
	table                       *recordTable
	rows                        []string           // the entries as lines, newest first
	entries                     []chart.AuditEntry // the entries the table shows
}

func newAuditView(s *session) *auditView {
	a := &auditView{s: s}
	a.user = a.filter("username")
	a.mrn = a.filter("patient MRN")
	a.action = a.filter("action, e.g. chart.view")
	a.from = a.filter("from YYYY-MM-DD")
	a.to = a.filter("to YYYY-MM-DD")
	a.count = &widget.Label{Wrapping: fyne.TextWrapWord}
	at := func(i int) chart.AuditEntry { return a.entries[i] }
	a.table = newRecordTable([]tableColumn{
		{title: "⚑", width: 24, text: func(i int) string {
			if at(i).Flagged {
				return "⚑"
			}
			return ""
		}},
		{title: "Time", newest: true, width: 150, text: func(i int) string { return showDateTime(at(i).Time.Local().Format("2006-01-02 15:04:05")) },
			key: func(i int) string { return fmt.Sprintf("%020d", at(i).Time.UnixNano()) }},
		{title: "Workstation", width: 110, text: func(i int) string { return at(i).Workstation }},
		{title: "User", width: 100, text: func(i int) string { return at(i).Username }},
		{title: "Action", width: 130, text: func(i int) string { return at(i).Action }},
		{title: "Patient", width: 110, text: func(i int) string {
			if at(i).MRN == "" {
				return ""
			}
			return "MRN " + at(i).MRN
		}},
		{title: "Detail", width: 180, grow: true, text: func(i int) string { return at(i).Detail }},
	}, 0, 1, nil)
	a.table.danger = func(i int) bool { return at(i).Flagged }
	a.show()
	return a
}

func (a *auditView) filter(placeholder string) *entry {
	e := newEntry(placeholder)
	e.OnSubmitted = func(string) { a.show() }
	e.onActivity = a.s.touch
	e.onEscape = func() { e.SetText(""); a.show() }
	return e
}

func (a *auditView) content() fyne.CanvasObject {
	filters := container.NewGridWithColumns(5, a.user, a.mrn, a.action, a.from, a.to)
	buttons := container.NewHBox(
		&widget.Button{Text: "Show", Icon: theme.SearchIcon(), Importance: widget.HighImportance, OnTapped: a.show},
		&widget.Button{Text: "Check integrity", Icon: theme.ConfirmIcon(), OnTapped: a.verify},
	)
	return border(container.NewVBox(heading("Audit log"), filters, buttons, a.count), nil, nil, nil, a.table)
}

// show reads the log through the filters, newest first.
func (a *auditView) show() {
	a.s.touch()
	a.rows, a.entries = nil, nil
	defer func() { a.table.reset(len(a.entries)); a.table.Refresh() }()
	patient := ""
	if mrn := strings.TrimSpace(a.mrn.Text); mrn != "" {
		id, err := a.s.svc.PatientByMRN(mrn)
		if err != nil {
			a.count.SetText("No patient has MRN " + mrn + ".")
			return
		}
		patient = id
	}
	from, errFrom := parseDay(a.from.Text)
	to, errTo := parseDay(a.to.Text)
	if errFrom != nil || errTo != nil {
		a.count.SetText("Write dates as YYYY-MM-DD, like 2026-03-07.")
		return
	}
	if !to.IsZero() {
		to = to.AddDate(0, 0, 1)
	}
	user := strings.ToLower(strings.TrimSpace(a.user.Text))
	action := strings.ToLower(strings.TrimSpace(a.action.Text))
	var entries []chart.AuditEntry
	total := 0
	err := a.s.svc.Audit(patient, func(e chart.AuditEntry) error {
		if user != "" && strings.ToLower(e.Username) != user ||
			action != "" && !strings.Contains(strings.ToLower(e.Action), action) ||
			!from.IsZero() && e.Time.Before(from) || !to.IsZero() && !e.Time.Before(to) {
			return nil
		}
		total++
		entries = append(entries, e)
		if len(entries) > auditLimit {
			entries = entries[1:]
		}
		return nil
	})
	if err != nil {
		a.count.SetText(sentence(err))
		return
	}
	slices.Reverse(entries)
	a.entries = entries
	rows := make([]string, len(entries))
	for i, e := range entries {
		rows[i] = auditLine(e)
	}
	a.rows = rows
	switch {
	case total > len(rows):
		a.count.SetText(fmt.Sprintf("%s; the newest %d are listed. Narrow the filters to see older ones.", words.Count(total, "entry", "entries"), len(rows)))
	case total == 1:
		a.count.SetText("1 entry.")
	default:
		a.count.SetText(words.Count(total, "entry", "entries") + ", newest first.")
	}
}

// auditLine is one entry: time, workstation, user, action, patient,
// detail, and a flag for entries that need review.
func auditLine(e chart.AuditEntry) string {
	parts := []string{showDateTime(e.Time.Local().Format("2006-01-02 15:04:05")), e.Workstation, e.Username, e.Action}
	if e.MRN != "" {
		parts = append(parts, "MRN "+e.MRN)
	}
	if e.Detail != "" {
		parts = append(parts, e.Detail)
	}
	line := strings.Join(words.NonEmpty(parts...), "  ")
	if e.Flagged {
		line = "⚑ " + line
	}
	return line
}

func parseDay(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	return time.ParseInLocation(time.DateOnly, entryDate(s), time.Local)
}

// verify checks the whole store off the UI goroutine and says what it found.
func (a *auditView) verify() {
	w := a.s.ws.win
	st := a.s.ws.st
	progress := dialog.NewCustomWithoutButtons("Checking integrity", container.NewVBox(
		paragraph("Every record, document and audit entry is being checked. This takes a moment on a large practice."),
		widget.NewProgressBarInfinite()), w)
	progress.Show()
	runInBackground(func() {
		rep, err := st.Verify()
		fyne.Do(func() {
			progress.Hide()
			if err != nil {
				showError(w, "The check could not run", err)
				return
			}
			showMessage(w, "Integrity check", verifyText(rep))
		})
	})
}

// verifyText says what a verification found, in plain words.
func verifyText(rep *store.VerifyReport) string {
	counts := fmt.Sprintf("Checked %s (%s), %s and %s.",
		words.Plural(rep.Records, "record"), words.Plural(rep.Revisions, "revision"), words.Plural(rep.Blobs, "document"),
		words.Count(rep.AuditEntries, "audit entry", "audit entries"))
	if rep.OK() {
		text := counts + " Nothing is damaged and the audit log is complete."
		if n := len(rep.Incomplete); n > 0 {
			text += fmt.Sprintf(" %s left unused pieces behind; they are harmless.", words.Plural(n, "interrupted import"))
		}
		return text
	}
	problems := rep.Problems
	more := ""
	if len(problems) > 5 {
		more = fmt.Sprintf(" And %d more.", len(problems)-5)
		problems = problems[:5]
	}
	return counts + " " + words.Plural(len(rep.Problems), "problem") + " found: " + strings.Join(problems, " ") + more +
		" Keep this workstation running, do not restore anything yet, and call whoever looks after your backups."
}
