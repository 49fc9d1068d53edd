package ui

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/chart"
	"chartkeeper/report"
)

// summaryVisits is how many recent visits a printed summary carries.
const summaryVisits = 10

// printMenu offers the printouts of the open chart (Ctrl+P). Only those the
// role may make are offered; chart.Service.Print decides all the same.
func (v *chartView) printMenu() {
	v.s.touch()
	role := v.s.user.Role
	var d *modal
	item := func(text string, icon fyne.Resource, do func()) *widget.Button {
		return &widget.Button{Text: text, Icon: icon, Alignment: widget.ButtonAlignLeading, OnTapped: func() { d.Hide(); do() }}
	}
	box := container.NewVBox()
	if chart.Allowed(role, chart.PrintClinical) && !v.clinicalHidden() {
		box.Add(item(lang.L("Patient summary"), theme.DocumentIcon(), func() { v.print(chart.PrintSummary) }))
		if len(v.c.Visits) > 0 {
			box.Add(item(lang.L("Visit note…"), theme.DocumentIcon(), v.pickVisitToPrint))
		}
		box.Add(item(lang.L("Patient access export…"), theme.DownloadIcon(), v.accessExport))
	}
	if chart.Allowed(role, chart.PrintAdmin) {
		box.Add(item(lang.L("Scan cover sheet…"), theme.DocumentPrintIcon(), v.printCover))
		box.Add(item(lang.L("Labels…"), theme.DocumentPrintIcon(), v.printLabels))
	}
	if chart.Allowed(role, chart.Administer) {
		box.Add(item(lang.L("Accounting of disclosures"), theme.ListIcon(), func() { v.print(chart.PrintDisclosures) }))
		box.Add(item(lang.L("Access report"), theme.ListIcon(), func() { v.print(chart.PrintAccess) }))
	}
	if len(box.Objects) == 0 {
		box.Add(paragraph(fmt.Sprintf(lang.L("Your role (%s) may not print from this chart."), lang.L(role.Title()))))
	}
	d = openModal(v.s.ws.win, fmt.Sprintf(lang.L("Print for %s"), v.c.Patient.Name()), box, &action{text: lang.L("Cancel")}, nil)
}

// pickVisitToPrint asks which visit's note to print.
func (v *chartView) pickVisitToPrint() {
	var d *modal
	box := container.NewVBox()
	for _, visit := range v.c.Visits {
		box.Add(&widget.Button{Text: showDate(visit.Date) + "  " + visit.Reason + " · " + signedText(visit), Alignment: widget.ButtonAlignLeading,
			OnTapped: func() { d.Hide(); v.printVisit(visit) }})
	}
	d = openModal(v.s.ws.win, lang.L("Which visit note?"), container.NewVScroll(box), &action{text: lang.L("Cancel")}, nil)
	d.d.Resize(fyne.NewSize(560, 400))
}

// print makes one printout of the chart that needs no further choice.
func (v *chartView) print(kind chart.PrintKind) {
	p := v.c.Patient
	switch kind {
	case chart.PrintSummary:
		v.askDisclosure(lang.L("Print the patient summary"), "patient summary", func(leaves *chart.Disclosure) { // i18n:skip
			v.render(kind, leaves, fmt.Sprintf(lang.L("Patient summary of %s"), p.Name()), func(buf *bytes.Buffer, pg report.Page) (report.Warnings, error) {
				return report.Summary(buf, pg, v.c, summaryVisits)
			})
		})
	case chart.PrintDisclosures:
		v.render(kind, nil, fmt.Sprintf(lang.L("Accounting of disclosures of %s"), p.Name()), func(buf *bytes.Buffer, pg report.Page) (report.Warnings, error) {
			ds, err := v.s.svc.Disclosures(p.ID)
			if err != nil {
				return nil, err
			}
			return report.Disclosures(buf, pg, p, ds)
		})
	case chart.PrintAccess:
		v.render(kind, nil, fmt.Sprintf(lang.L("Access report of %s"), p.Name()), func(buf *bytes.Buffer, pg report.Page) (report.Warnings, error) {
			var es []chart.AuditEntry
			if err := v.s.svc.Audit(p.ID, func(e chart.AuditEntry) error { es = append(es, e); return nil }); err != nil {
				return nil, err
			}
			return report.AccessReport(buf, pg, p, es)
		})
	}
}

// printVisit prints one visit's note with its amendments.
func (v *chartView) printVisit(visit chart.Visit) {
	v.askDisclosure(fmt.Sprintf(lang.L("Print the visit note of %s"), showDate(visit.Date)), "visit note of "+showDate(visit.Date), func(leaves *chart.Disclosure) { // i18n:skip
		v.render(chart.PrintVisit, leaves, fmt.Sprintf(lang.L("Visit note of %s"), showDate(visit.Date)), func(buf *bytes.Buffer, pg report.Page) (report.Warnings, error) {
			return report.VisitNote(buf, pg, v.c.Patient, visit, v.c.AmendmentsOf(visit.ID))
		})
	})
}

// printCover asks for the document category and prints a cover sheet.
func (v *chartView) printCover() {
	var titles []string
	for _, c := range chart.Categories {
		titles = append(titles, c.Title)
	}
	pick := widget.NewSelect(titles, nil)
	pick.SetSelectedIndex(0)
	askForm(v.s.ws.win, lang.L("Scan cover sheet"),
		container.NewVBox(paragraph(lang.L("Put the sheet on top of the paper when scanning: intake reads its code and files the pages into this chart.")), pick), lang.L("Print"), lang.L("Cancel"), nil, func() {
			cat := chart.Categories[pick.SelectedIndex()]
			v.render(chart.PrintCover, nil, fmt.Sprintf(lang.L("Cover sheet (%s) for %s"), cat.Title, v.c.Patient.Name()), func(buf *bytes.Buffer, pg report.Page) (report.Warnings, error) {
				return report.CoverSheet(buf, pg, v.s.svc.PracticeID(), v.c.Patient, cat.Name)
			})
		})
}

// printLabels asks how many labels and prints them.
func (v *chartView) printLabels() {
	count := newEntry("")
	count.SetText("30")
	askForm(v.s.ws.win, lang.L("Labels (Avery 5160)"),
		widget.NewForm(widget.NewFormItem(lang.L("How many"), count)), lang.L("Print"), lang.L("Cancel"), nil, func() {
			n, err := strconv.Atoi(strings.TrimSpace(count.Text))
			if err != nil || n < 1 || n > 300 {
				showMessage(v.s.ws.win, lang.L("Not printed"), lang.L("Give a number of labels from 1 to 300 (a sheet holds 30)."))
				return
			}
			v.render(chart.PrintLabels, nil, fmt.Sprintf(lang.L("Labels for %s"), v.c.Patient.Name()), func(buf *bytes.Buffer, pg report.Page) (report.Warnings, error) {
				return report.Labels(buf, pg, v.c.Patient, n)
			})
		})
}

// askDisclosure asks whether a clinical printout leaves the practice and,
// if so, to whom and why: that is recorded in the patient's accounting of
// disclosures.
func (v *chartView) askDisclosure(title, what string, then func(*chart.Disclosure)) {
	recipient := newEntry(lang.L("the person or organisation"))
	purpose := newEntry(lang.L("e.g. referral, patient's request, insurer"))
	stays, given := lang.L("Stays in the practice"), lang.L("Given to someone outside the practice")
	leaves := widget.NewRadioGroup([]string{stays, given}, nil)
	leaves.SetSelected(stays)
	details := widget.NewForm(widget.NewFormItem(lang.L("Given to"), recipient), widget.NewFormItem(lang.L("Why"), purpose))
	details.Hide()
	leaves.OnChanged = func(s string) {
		if s == given {
			details.Show()
			v.s.ws.win.Canvas().Focus(recipient)
		} else {
			details.Hide()
		}
	}
	askForm(v.s.ws.win, title,
		container.NewVBox(paragraph(lang.L("A printout that leaves the practice is recorded in the patient's accounting of disclosures.")), leaves, details), lang.L("Make the PDF"), lang.L("Cancel"), nil, func() {
			if leaves.Selected != given {
				then(nil)
				return
			}
			then(&chart.Disclosure{
				Date:      time.Now().Format(time.DateOnly),
				Recipient: recipient.Text,
				Purpose:   purpose.Text,
				What:      what,
				By:        v.s.user.Name,
			})
		})
}

// render asks the service first (the role check, the audit entry and any
// disclosure), then makes the PDF off the UI goroutine and offers it.
func (v *chartView) render(kind chart.PrintKind, leaves *chart.Disclosure, title string,
	make func(*bytes.Buffer, report.Page) (report.Warnings, error)) {
	s := v.s
	s.touch()
	if err := s.svc.Print(kind, v.c.Patient.ID, leaves); err != nil {
		showError(s.ws.win, lang.L("Not printed"), err)
		return
	}
	practice, err := s.ws.st.Practice()
	if err != nil {
		showError(s.ws.win, lang.L("Not printed"), err)
		return
	}
	pg := report.Page{T: translateMessage, Practice: practice.Name, PrintedBy: s.user.Name, PrintedAt: time.Now(), Dates: showDateTime, Number: showNumber}
	file := string(kind) + "-" + v.c.Patient.MRN + ".pdf"
	runInBackground(func() {
		var buf bytes.Buffer
		warns, err := make(&buf, pg)
		fyne.Do(func() {
			if err != nil {
				showError(s.ws.win, lang.L("The PDF could not be made"), err)
				return
			}
			s.ws.showPrintout(&printout{title: title, file: file, pdf: buf.Bytes(), warnings: warns})
		})
	})
}
