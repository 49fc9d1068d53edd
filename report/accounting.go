package report

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"chartkeeper/chart"
)

// Disclosures prints a patient's accounting of disclosures: every release
// of the patient's information outside the practice, by date, with the
// recipient, what was released, why and by whom.
func Disclosures(w io.Writer, pg Page, p chart.Patient, ds []chart.Disclosure) (Warnings, error) {
	d := newDoc("Accounting of disclosures", pg, &p)
	d.pdf.AddPage()
	d.setFont(famSans, "B", 14)
	d.para("Accounting of disclosures")
	d.setFont(famSans, "", bodySize)
	d.para(fmt.Sprintf("Releases of the health information of %s (MRN %s) outside the practice, as recorded in Chartkeeper, oldest first.",
		d.t.line("patient name", p.Name()), d.t.line("MRN", p.MRN)))
	d.gap(3)
	if len(ds) == 0 {
		d.muted("No disclosures are recorded.")
		return d.finish(w)
	}
	ds = slices.Clone(ds)
	slices.SortStableFunc(ds, func(a, b chart.Disclosure) int { return strings.Compare(a.Date, b.Date) })
	d.para(fmt.Sprintf("%d disclosures, %s to %s.", len(ds), d.date(ds[0].Date), d.date(ds[len(ds)-1].Date)))
	d.gap(2)
	t := d.table(column{"Date", 1.5, "L"}, column{"Recipient", 3, "L"}, column{"Information released", 3.2, "L"},
		column{"Purpose", 3, "L"}, column{"Released by", 1.9, "L"})
	for i, x := range ds {
		f := fmt.Sprintf("disclosure %d", i+1)
		t.row(d.date(d.t.line(f, x.Date)), d.t.block(f+" recipient", x.Recipient), d.t.block(f+" information", x.What),
			d.t.block(f+" purpose", x.Purpose), d.t.line(f+" released by", x.By))
	}
	return d.finish(w)
}

// AccessReport prints who opened or changed a patient's chart and when,
// from the audit log's entries about the patient, oldest first. Entries
// flagged for review (break-glass access and the like) are marked.
func AccessReport(w io.Writer, pg Page, p chart.Patient, entries []chart.AuditEntry) (Warnings, error) {
	d := newDoc("Chart access report", pg, &p)
	d.pdf.AddPage()
	d.setFont(famSans, "B", 14)
	d.para("Chart access report")
	d.setFont(famSans, "", bodySize)
	d.para(fmt.Sprintf("Every view, change and printout of the chart of %s (MRN %s) recorded in the audit log, oldest first. Times are %s.",
		d.t.line("patient name", p.Name()), d.t.line("MRN", p.MRN), zoneName(pg.PrintedAt)))
	d.gap(3)
	if len(entries) == 0 {
		d.muted("The audit log has no entries about this patient.")
		return d.finish(w)
	}
	es := slices.Clone(entries)
	slices.SortStableFunc(es, func(a, b chart.AuditEntry) int { return a.Time.Compare(b.Time) })
	users, flagged := map[string]bool{}, 0
	for _, e := range es {
		users[e.UserID+"\x00"+e.Username] = true
		if e.Flagged {
			flagged++
		}
	}
	summary := fmt.Sprintf("%d entries by %d users, %s to %s.", len(es), len(users),
		d.when(es[0].Time, pg.PrintedAt), d.when(es[len(es)-1].Time, pg.PrintedAt))
	if flagged > 0 {
		summary += fmt.Sprintf(" %d flagged for review (marked REVIEW): break-glass access and other exceptional use.", flagged)
	}
	d.para(summary)
	d.gap(2)
	t := d.table(column{"Time", 3.3, "L"}, column{"User", 2.2, "L"}, column{"Action", 3.2, "L"},
		column{"Details", 4.2, "L"}, column{"Device", 1.6, "L"}, column{"Review", 1.3, "L"})
	for i, e := range es {
		f := fmt.Sprintf("audit entry %d", i+1)
		user := e.Username
		if user == "" {
			user = e.UserID
		}
		detail := d.t.block(f+" detail", e.Detail)
		if e.MRN != "" && e.MRN != p.MRN {
			detail = strings.TrimSpace(detail + " (merged record, MRN " + d.t.line(f, e.MRN) + ")")
		}
		review := ""
		if e.Flagged {
			review = "REVIEW"
		}
		t.row(d.when(e.Time, pg.PrintedAt), d.t.line(f+" user", user), d.t.line(f+" action", actionText(e.Action)), detail, d.t.line(f+" device", e.Device), review)
	}
	return d.finish(w)
}

// when is an audit time in the printout's time zone.
func (d *doc) when(t, printed time.Time) string {
	if !printed.IsZero() {
		t = t.In(printed.Location())
	}
	return d.date(t.Format("2006-01-02 15:04:05"))
}

func zoneName(t time.Time) string {
	name, off := t.Zone()
	if name == "" {
		name = "local time"
	}
	return fmt.Sprintf("%s (UTC%+03d:%02d)", name, off/3600, abs(off%3600)/60)
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// actions says in words what an audit action means.
var actions = map[string]string{
	"patient.view":      "viewed demographics",
	"patient.create":    "registered the patient",
	"patient.update":    "changed demographics",
	"patient.merge":     "merged records",
	"patient.unmerge":   "undid a merge",
	"chart.view":        "opened the chart",
	"breakglass.open":   "break-glass: opened beyond role",
	"breakglass.review": "reviewed a break-glass access",
	"document.view":     "opened a document",
	"document.file":     "filed a document",
	"visit.sign":        "signed a visit note",
	"visit.code":        "coded a visit",
	"visit.amend":       "amended a visit note",
	"amendment.request": "recorded an amendment request",
	"disclosure":        "recorded a disclosure",
	"audit.review":      "read the audit log",
}

func actionText(a string) string {
	if s, ok := actions[a]; ok {
		return s + " (" + a + ")"
	}
	if kind, ok := strings.CutPrefix(a, "print."); ok {
		return "printed: " + kind + " (" + a + ")"
	}
	if kind, verb, ok := strings.Cut(a, "."); ok {
		if w, ok := map[string]string{"create": "added", "update": "changed", "delete": "deleted"}[verb]; ok {
			return w + " a " + kind + " record (" + a + ")"
		}
	}
	return a
}
