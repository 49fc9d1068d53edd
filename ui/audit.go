package ui

import (
	"fmt"
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
	list                        *widget.List
	rows                        []string
}

func newAuditView(s *session) *auditView {
	a := &auditView{s: s}
	a.user = a.filter("username")
	a.mrn = a.filter("patient MRN")
	a.action = a.filter("action, e.g. chart.view")
	a.from = a.filter("from YYYY-MM-DD")
	a.to = a.filter("to YYYY-MM-DD")
	a.count = &widget.Label{Wrapping: fyne.TextWrapWord}
	a.list = widget.NewList(func() int { return len(a.rows) },
		func() fyne.CanvasObject {
			return &widget.Label{TextStyle: fyne.TextStyle{Monospace: true}, Truncation: fyne.TextTruncateEllipsis}
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i < len(a.rows) {
				o.(*widget.Label).SetText(a.rows[i])
			}
		})
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
	return border(container.NewVBox(heading("Audit log"), filters, buttons, a.count), nil, nil, nil, a.list)
}

// show reads the log through the filters, newest first.
func (a *auditView) show() {
	a.s.touch()
	a.rows = nil
	patient := ""
	if mrn := strings.TrimSpace(a.mrn.Text); mrn != "" {
		id, err := a.s.svc.PatientByMRN(mrn)
		if err != nil {
			a.count.SetText("No patient has MRN " + mrn + ".")
			a.list.Refresh()
			return
		}
		patient = id
	}
	from, errFrom := parseDay(a.from.Text)
	to, errTo := parseDay(a.to.Text)
	if errFrom != nil || errTo != nil {
		a.count.SetText("Write dates as YYYY-MM-DD, like 2026-03-07.")
		a.list.Refresh()
		return
	}
	if !to.IsZero() {
		to = to.AddDate(0, 0, 1)
	}
	user := strings.ToLower(strings.TrimSpace(a.user.Text))
	action := strings.ToLower(strings.TrimSpace(a.action.Text))
	var rows []string
	total := 0
	err := a.s.svc.Audit(patient, func(e chart.AuditEntry) error {
		if user != "" && strings.ToLower(e.Username) != user ||
			action != "" && !strings.Contains(strings.ToLower(e.Action), action) ||
			!from.IsZero() && e.Time.Before(from) || !to.IsZero() && !e.Time.Before(to) {
			return nil
		}
		total++
		rows = append(rows, auditLine(e))
		if len(rows) > auditLimit {
			rows = rows[1:]
		}
		return nil
	})
	if err != nil {
		a.count.SetText(sentence(err))
		a.list.Refresh()
		return
	}
	for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
		rows[i], rows[j] = rows[j], rows[i]
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
	a.list.Refresh()
}

// auditLine is one entry: time, workstation, user, action, patient,
// detail, and a flag for entries that need review.
func auditLine(e chart.AuditEntry) string {
	parts := []string{e.Time.Local().Format("2006-01-02 15:04:05"), e.Workstation, e.Username, e.Action}
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
	return time.ParseInLocation(time.DateOnly, s, time.Local)
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
