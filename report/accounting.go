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
	d := newDoc(pg.tr("Accounting of disclosures"), pg, &p)
	d.pdf.AddPage()
	d.setFont(famSans, "B", 14)
	d.para(d.tr("Accounting of disclosures"))
	d.setFont(famSans, "", bodySize)
	d.para(fmt.Sprintf(d.tr("Releases of the health information of %s (MRN %s) outside the practice, as recorded in Chartkeeper, oldest first."),
		d.t.line(fPatientName, p.Name()), d.t.line(fMRN, p.MRN)))
	d.gap(3)
	if len(ds) == 0 {
		d.muted(d.tr("No disclosures are recorded."))
		return d.finish(w)
	}
	ds = slices.Clone(ds)
	slices.SortStableFunc(ds, func(a, b chart.Disclosure) int { return strings.Compare(a.Date, b.Date) })
	d.para(fmt.Sprintf(d.tr("%d disclosures, %s to %s."), len(ds), d.date(ds[0].Date), d.date(ds[len(ds)-1].Date)))
	d.gap(2)
	t := d.table(column{d.tr("Date"), 1.5, "L"}, column{d.tr("Recipient"), 3, "L"}, column{d.tr("Information released"), 3.2, "L"},
		column{d.tr("Purpose"), 3, "L"}, column{d.tr("Released by"), 1.9, "L"})
	for i, x := range ds {
		f := item(trLater("disclosure %d"), i)
		t.row(d.date(d.t.line(f, x.Date)), d.t.block(item(trLater("disclosure %d, recipient"), i), x.Recipient), d.t.block(item(trLater("disclosure %d, information"), i), x.What),
			d.t.block(item(trLater("disclosure %d, purpose"), i), x.Purpose), d.t.line(item(trLater("disclosure %d, released by"), i), x.By))
	}
	return d.finish(w)
}

// AccessReport prints who opened or changed a patient's chart and when,
// from the audit log's entries about the patient, oldest first. Entries
// flagged for review (break-glass access and the like) are marked.
func AccessReport(w io.Writer, pg Page, p chart.Patient, entries []chart.AuditEntry) (Warnings, error) {
	d := newDoc(pg.tr("Chart access report"), pg, &p)
	d.pdf.AddPage()
	d.setFont(famSans, "B", 14)
	d.para(d.tr("Chart access report"))
	d.setFont(famSans, "", bodySize)
	d.para(fmt.Sprintf(d.tr("Every view, change and printout of the chart of %s (MRN %s) recorded in the audit log, oldest first. Times are %s."),
		d.t.line(fPatientName, p.Name()), d.t.line(fMRN, p.MRN), d.zoneName(pg.PrintedAt)))
	d.gap(3)
	if len(entries) == 0 {
		d.muted(d.tr("The audit log has no entries about this patient."))
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
	summary := fmt.Sprintf(d.tr("%d entries by %d users, %s to %s."), len(es), len(users),
		d.when(es[0].Time, pg.PrintedAt), d.when(es[len(es)-1].Time, pg.PrintedAt))
	if flagged > 0 {
		summary += " " + fmt.Sprintf(d.tr("%d flagged for review (marked REVIEW): break-glass access and other exceptional use."), flagged)
	}
	d.para(summary)
	d.gap(2)
	t := d.table(column{d.tr("Time"), 3.3, "L"}, column{d.tr("User"), 2.2, "L"}, column{d.tr("Action"), 3.2, "L"},
		column{d.tr("Details"), 4.2, "L"}, column{d.tr("Device"), 1.6, "L"}, column{d.tr("Review"), 1.3, "L"})
	for i, e := range es {
		f := item(trLater("audit entry %d"), i)
		user := e.Username
		if user == "" {
			user = e.UserID
		}
		detail := d.t.block(item(trLater("audit entry %d, detail"), i), e.Detail)
		if e.MRN != "" && e.MRN != p.MRN {
			detail = strings.TrimSpace(detail + " " + fmt.Sprintf(d.tr("(merged record, MRN %s)"), d.t.line(f, e.MRN)))
		}
		review := ""
		if e.Flagged {
			review = d.tr("REVIEW")
		}
		t.row(d.when(e.Time, pg.PrintedAt), d.t.line(item(trLater("audit entry %d, user"), i), user), d.t.line(item(trLater("audit entry %d, action"), i), d.actionText(e.Action)), detail, d.t.line(item(trLater("audit entry %d, device"), i), e.Device), review)
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

func (d *doc) zoneName(t time.Time) string {
	name, off := t.Zone()
	if name == "" {
		name = d.tr("local time")
	}
	return fmt.Sprintf("%s (UTC%+03d:%02d)", name, off/3600, abs(off%3600)/60)
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// actionText says in words what an audit action means, with the action's
// own code after it; a code chart does not know is printed alone.
func (d *doc) actionText(a string) string {
	if s := chart.ActionText(a); s != "" {
		return d.tr(s) + " (" + a + ")"
	}
	return a
}
