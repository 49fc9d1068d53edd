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
	d := newDoc("Visit note", pg, &p)
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
	field := "visit of " + v.Date
	if v.Date == "" {
		field = "visit"
	}
	date := d.date(d.t.line(field+": date", v.Date))
	if date == "" {
		date = "(no date)"
	}
	reason := d.t.line(field+": reason", v.Reason)

	d.gap(2.5)
	outer := d.cont
	defer func() { d.cont = outer }()
	d.setFont(famSans, "B", 10.5)
	head := d.lines(date+"  "+reason, d.width())
	const barLine = 5.2
	d.need(float64(len(head))*barLine + 3*lineBody)
	d.cont = "Visit of " + date + ", continued"
	pdf.SetFillColor(232, 232, 232)
	for _, l := range head {
		d.need(barLine)
		pdf.SetX(marginX)
		d.cell(d.width(), barLine, l, "", 1, "L", true, 0, "")
	}
	d.setFont(famSans, "", bodySize)

	status := "Clinician: " + orDash(d.t.line(field+": clinician", v.Clinician))
	if v.ImportedFrom != "" {
		// history from another system: no one here signed it, and it is no draft
		status += "    Imported from " + d.t.line(field+": imported from", v.ImportedFrom)
		if !v.ImportedAt.IsZero() {
			status += " on " + d.date(v.ImportedAt.Format("2006-01-02"))
		}
	} else if v.Signed {
		status += "    Signed by " + orDash(d.t.line(field+": signed by", v.SignedBy)) + " at " + d.stamp(v.SignedAt)
	} else {
		status += "    NOT SIGNED: draft note, may still change"
	}
	d.para(status)
	pdf.Ln(0.8)

	soap := []struct{ label, text string }{
		{"Subjective", v.Subjective},
		{"Objective", v.Objective},
		{"Assessment", v.Assessment},
		{"Plan", v.Plan},
	}
	wrote := false
	for _, s := range soap {
		if strings.TrimSpace(s.text) == "" {
			continue
		}
		d.labelled(s.label, soapLabelW, d.t.block(field+": "+strings.ToLower(s.label), strings.TrimRight(s.text, "\n")))
		wrote = true
	}
	if !wrote {
		d.labelled("Note", soapLabelW, "No note written.")
	}
	if len(v.Diagnoses) > 0 {
		var ls []string
		for i, dg := range v.Diagnoses {
			l := chart.CodeText(d.t.line(fmt.Sprintf("%s: diagnosis %d", field, i+1), dg.Code))
			if dg.Description != "" {
				l += "  " + d.t.line(fmt.Sprintf("%s: diagnosis %d", field, i+1), dg.Description)
			}
			if dg.Primary {
				l += " (primary)"
			}
			ls = append(ls, l)
		}
		d.labelled("Diagnoses", soapLabelW, strings.Join(ls, "\n"))
	}
	if len(v.Procedures) > 0 {
		var ls []string
		for i, pr := range v.Procedures {
			f := fmt.Sprintf("%s: procedure %d", field, i+1)
			l := d.t.line(f, pr.Description)
			if pr.Code != "" {
				l = d.t.line(f, pr.Code) + "  " + l
			}
			ls = append(ls, l)
		}
		d.labelled("Procedures", soapLabelW, strings.Join(ls, "\n"))
	}
	for i, a := range amendments {
		f := fmt.Sprintf("%s: amendment %d", field, i+1)
		text := "Amended at " + d.stamp(a.At) + " by " + orDash(d.t.line(f+" author", a.Author))
		if a.Reason != "" {
			text += ". Reason: " + d.t.line(f+" reason", a.Reason)
		}
		text += "\n" + d.t.block(f, strings.TrimRight(a.Text, "\n"))
		d.labelled("Amendment", soapLabelW, text)
	}
}

// orDash is s, or a dash when it is empty.
func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}
