package ui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
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
	a.user = a.filter(lang.L("username"))
	a.mrn = a.filter(lang.L("patient MRN"))
	a.action = a.filter(lang.L("action, e.g. chart.view"))
	a.from = a.filter(lang.L("from YYYY-MM-DD"))
	a.to = a.filter(lang.L("to YYYY-MM-DD"))
	a.count = &widget.Label{Wrapping: fyne.TextWrapWord}
	at := func(i int) chart.AuditEntry { return a.entries[i] }
	a.table = newRecordTable([]tableColumn{
		{title: "⚑", width: 24, text: func(i int) string {
			if at(i).Flagged {
				return "⚑"
			}
			return ""
		}},
		{title: lang.L("Time"), newest: true, width: 150, text: func(i int) string { return showDateTime(at(i).Time.Local().Format("2006-01-02 15:04:05")) },
			key: func(i int) string { return fmt.Sprintf("%020d", at(i).Time.UnixNano()) }},
		{title: lang.L("Workstation"), width: 110, text: func(i int) string { return workstationShown(at(i).Workstation) }},
		{title: lang.L("User"), width: 100, text: func(i int) string { return at(i).Username }},
		{title: lang.L("Action"), width: 210, text: func(i int) string { return actionShown(at(i).Action) }},
		{title: lang.L("Patient"), width: 110, text: func(i int) string {
			if at(i).MRN == "" {
				return ""
			}
			return fmt.Sprintf(lang.L("MRN %s"), at(i).MRN)
		}},
		{title: lang.L("Detail"), width: 180, grow: true, text: func(i int) string { return detailShown(at(i)) }},
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
		&widget.Button{Text: lang.L("Show"), Icon: theme.SearchIcon(), Importance: widget.HighImportance, OnTapped: a.show},
		&widget.Button{Text: lang.L("Check integrity"), Icon: theme.ConfirmIcon(), OnTapped: a.verify},
	)
	return border(container.NewVBox(heading(lang.L("Audit log")), filters, buttons, a.count), nil, nil, nil, a.table)
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
			a.count.SetText(fmt.Sprintf(lang.L("No patient has MRN %s."), mrn))
			return
		}
		patient = id
	}
	from, errFrom := parseDay(a.from.Text)
	to, errTo := parseDay(a.to.Text)
	if errFrom != nil || errTo != nil {
		a.count.SetText(lang.L("Write dates as YYYY-MM-DD, like 2026-03-07."))
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
			action != "" && !strings.Contains(strings.ToLower(actionShown(e.Action)), action) ||
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
		a.count.SetText(fmt.Sprintf(lang.L("%d entries; the newest %d are listed. Narrow the filters to see older ones."), total, len(rows)))
	case total == 1:
		a.count.SetText(lang.L("1 entry."))
	default:
		a.count.SetText(fmt.Sprintf(lang.L("%d entries, newest first."), total))
	}
}

// auditLine is one entry: time, workstation, user, action, patient,
// detail, and a flag for entries that need review.
func auditLine(e chart.AuditEntry) string {
	parts := []string{showDateTime(e.Time.Local().Format("2006-01-02 15:04:05")), workstationShown(e.Workstation), e.Username, actionShown(e.Action)}
	if e.MRN != "" {
		parts = append(parts, fmt.Sprintf(lang.L("MRN %s"), e.MRN))
	}
	if e.Detail != "" {
		parts = append(parts, detailShown(e))
	}
	line := strings.Join(words.NonEmpty(parts...), "  ")
	if e.Flagged {
		line = "⚑ " + line
	}
	return line
}

// actionShown is an audit action in words in the person's language, with
// its stored code after it ("Opened a chart (chart.view)"), which the
// action filter also matches; a code chart does not know is shown alone.
func actionShown(code string) string {
	text := chart.ActionText(code)
	if text == "" {
		return code
	}
	return lang.L(text) + " (" + code + ")"
}

// detailShown is an entry's detail in the person's language when it is
// one of the sentences Chartkeeper writes (its values as stored); any
// other detail (IDs, a name, a reason as typed) is shown as stored.
func detailShown(e chart.AuditEntry) string {
	if e.Action == "key.rotate" {
		// The keys renewed, listed, then why (codes, as stored).
		if parts, why, ok := chart.KeyRotationDetail(e.Detail); ok {
			shown := make([]string, len(parts))
			for i, p := range parts {
				shown[i] = fmt.Sprintf(lang.L(p.Key), p.Args...)
			}
			return fmt.Sprintf(lang.L("%s: %s"), strings.Join(shown, ", "), why)
		}
	}
	key, args, ok := chart.AuditDetailText(e.Action, e.Detail)
	if !ok {
		return e.Detail
	}
	return fmt.Sprintf(lang.L(key), args...)
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
	progress := dialog.NewCustomWithoutButtons(lang.L("Checking integrity"), container.NewVBox(
		paragraph(lang.L("Every record, document and audit entry is being checked. This takes a moment on a large practice.")),
		widget.NewProgressBarInfinite()), w)
	progress.Show()
	runInBackground(func() {
		rep, err := st.Verify()
		fyne.Do(func() {
			progress.Hide()
			if err != nil {
				showError(w, lang.L("The check could not run"), err)
				return
			}
			showMessage(w, lang.L("Integrity check"), verifyText(rep))
		})
	})
}

// verifyText says what a verification found, in plain words.
func verifyText(rep *store.VerifyReport) string {
	counts := fmt.Sprintf(lang.L("Checked %s (%s), %s and %s."),
		verifyCount(rep.Records, lang.L("1 record"), lang.L("%d records")), verifyCount(rep.Revisions, lang.L("1 revision"), lang.L("%d revisions")),
		verifyCount(rep.Blobs, lang.L("1 document"), lang.L("%d documents")),
		verifyCount(rep.AuditEntries, lang.L("1 audit entry"), lang.L("%d audit entries")))
	if rep.OK() {
		text := counts + " " + lang.L("Nothing is damaged and the audit log is complete.")
		if n := len(rep.Incomplete); n > 0 {
			text += " " + verifyCount(n, lang.L("1 interrupted import left unused pieces behind; they are harmless."),
				lang.L("%d interrupted imports left unused pieces behind; they are harmless."))
		}
		return text
	}
	return counts + " " + verifyCount(len(rep.Problems), lang.L("1 problem found:"), lang.L("%d problems found:")) + " " + problemsText(rep.Found) +
		" " + lang.L("Keep this workstation running, do not restore anything yet, and call whoever looks after your backups.")
}

// verifyCount is one when n is 1, else many (which holds %d) with n.
func verifyCount(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return fmt.Sprintf(many, n)
}

// workstationShown names an audit entry's workstation: this one in the
// person's language, another by the name the sync server gave it or its
// short ID, as stored.
func workstationShown(name string) string {
	if name == store.ThisWorkstation {
		return lang.L("this workstation")
	}
	return name
}
