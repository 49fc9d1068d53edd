package report

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"chartkeeper/chart"
)

// VisitNote prints one visit's note with its diagnoses, procedures,
// signature and amendments, oldest first. Amendments of other visits are
// left out.
func VisitNote(w io.Writer, pg Page, p chart.Patient, v chart.Visit, amendments []chart.Amendment) (Warnings, error) {
	if v.Date == "" && v.Reason == "" && v.ID == "" {
		return nil, errors.New("report: no visit to print")
	}
	d := newDoc(pg.tr("Visit note"), pg, &p)
	d.pdf.AddPage()
	var own []chart.Amendment
	for _, a := range amendments {
		if v.ID == "" || a.Target == "" || a.Target == v.ID {
			own = append(own, a)
		}
	}
	d.visit(v, own)
	return d.finish(w)
}

// soapLabelW is the width of the label column of a visit.
const soapLabelW = 27.0

// visit prints one visit as a block: a shaded bar with date and reason,
// who saw the patient and whether the note is signed, then the note.
func (d *doc) visit(v chart.Visit, amendments []chart.Amendment) {
	pdf := d.pdf
	// vf is a field of this visit, for the warnings
	vf := func(key string, n int) field { return field{key: key, n: n, visit: true, date: v.Date} }
	date := d.date(d.t.line(vf(trLater("date"), 0), v.Date))
	if date == "" {
		date = d.tr("(no date)")
	}
	reason := d.t.line(vf(trLater("reason"), 0), v.Reason)

	d.gap(2.5)
	outer := d.cont
	defer func() { d.cont = outer }()
	d.setFont(famSans, "B", 10.5)
	head := d.lines(date+"  "+reason, d.width())
	const barLine = 5.2
	d.need(float64(len(head))*barLine + 3*lineBody)
	d.cont = fmt.Sprintf(d.tr("Visit of %s, continued"), date)
	pdf.SetFillColor(232, 232, 232)
	for _, l := range head {
		d.need(barLine)
		pdf.SetX(marginX)
		d.cell(d.width(), barLine, l, "", 1, "L", true, 0, "")
	}
	d.setFont(famSans, "", bodySize)

	status := fmt.Sprintf(d.tr("Clinician: %s"), orDash(d.t.line(vf(trLater("clinician"), 0), v.Clinician)))
	from := d.t.line(vf(trLater("imported from"), 0), v.ImportedFrom)
	switch {
	case v.ImportedFrom != "" && !v.ImportedAt.IsZero():
		// history from another system: no one here signed it, and it is no draft
		status += "    " + fmt.Sprintf(d.tr("Imported from %s on %s"), from, d.date(v.ImportedAt.Format("2006-01-02")))
	case v.ImportedFrom != "":
		status += "    " + fmt.Sprintf(d.tr("Imported from %s"), from)
	case v.Signed:
		status += "    " + fmt.Sprintf(d.tr("Signed by %s at %s"), orDash(d.t.line(vf(trLater("signed by"), 0), v.SignedBy)), d.stamp(v.SignedAt))
	default:
		status += "    " + d.tr("NOT SIGNED: draft note, may still change")
	}
	d.para(status)
	pdf.Ln(0.8)

	soap := []struct{ field, label, text string }{
		{trLater("subjective"), d.tr("Subjective"), v.Subjective},
		{trLater("objective"), d.tr("Objective"), v.Objective},
		{trLater("assessment"), d.tr("Assessment"), v.Assessment},
		{trLater("plan"), d.tr("Plan"), v.Plan},
	}
	wrote := false
	for _, s := range soap {
		if strings.TrimSpace(s.text) == "" {
			continue
		}
		d.labelled(s.label, soapLabelW, d.t.block(vf(s.field, 0), strings.TrimRight(s.text, "\n")))
		wrote = true
	}
	if !wrote {
		d.labelled(d.tr("Note"), soapLabelW, d.tr("No note written."))
	}
	if len(v.Diagnoses) > 0 {
		var ls []string
		for i, dg := range v.Diagnoses {
			l := chart.CodeText(d.t.line(vf(trLater("diagnosis %d"), i+1), dg.Code))
			if dg.Description != "" {
				l += "  " + d.t.line(vf(trLater("diagnosis %d"), i+1), dg.Description)
			}
			if dg.Primary {
				l += " " + d.tr("(primary)")
			}
			ls = append(ls, l)
		}
		d.labelled(d.tr("Diagnoses"), soapLabelW, strings.Join(ls, "\n"))
	}
	if len(v.Procedures) > 0 {
		var ls []string
		for i, pr := range v.Procedures {
			f := vf(trLater("procedure %d"), i+1)
			l := d.t.line(f, pr.Description)
			if pr.Code != "" {
				l = d.t.line(f, pr.Code) + "  " + l
			}
			ls = append(ls, l)
		}
		d.labelled(d.tr("Procedures"), soapLabelW, strings.Join(ls, "\n"))
	}
	for i, a := range amendments {
		f := vf(trLater("amendment %d"), i+1)
		text := fmt.Sprintf(d.tr("Amended at %s by %s"), d.stamp(a.At), orDash(d.t.line(vf(trLater("amendment %d, author"), i+1), a.Author)))
		if a.Reason != "" {
			text += ". " + fmt.Sprintf(d.tr("Reason: %s"), d.t.line(vf(trLater("amendment %d, reason"), i+1), a.Reason))
		}
		text += "\n" + d.t.block(f, strings.TrimRight(a.Text, "\n"))
		d.labelled(d.tr("Amendment"), soapLabelW, text)
	}
}

// orDash is s, or a dash when it is empty.
func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}
