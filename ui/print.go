package ui

import (
	"bytes"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
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
		box.Add(item("Patient summary", theme.DocumentIcon(), func() { v.print(chart.PrintSummary) }))
		if len(v.c.Visits) > 0 {
			box.Add(item("Visit note…", theme.DocumentIcon(), v.pickVisitToPrint))
		}
		box.Add(item("Patient access export…", theme.DownloadIcon(), v.accessExport))
	}
	if chart.Allowed(role, chart.PrintAdmin) {
		box.Add(item("Scan cover sheet…", theme.DocumentPrintIcon(), v.printCover))
		box.Add(item("Labels…", theme.DocumentPrintIcon(), v.printLabels))
	}
	if chart.Allowed(role, chart.Administer) {
		box.Add(item("Accounting of disclosures", theme.ListIcon(), func() { v.print(chart.PrintDisclosures) }))
		box.Add(item("Access report", theme.ListIcon(), func() { v.print(chart.PrintAccess) }))
	}
	if len(box.Objects) == 0 {
		box.Add(paragraph("Your role (" + role.Title() + ") may not print from this chart."))
	}
	d = openModal(v.s.ws.win, "Print for "+v.c.Patient.Name(), box, &action{text: "Cancel"}, nil)
}

// pickVisitToPrint asks which visit's note to print.
func (v *chartView) pickVisitToPrint() {
	var d *modal
	box := container.NewVBox()
	for _, visit := range v.c.Visits {
		box.Add(&widget.Button{Text: showDate(visit.Date) + "  " + visit.Reason + " · " + signedText(visit), Alignment: widget.ButtonAlignLeading,
			OnTapped: func() { d.Hide(); v.printVisit(visit) }})
	}
	d = openModal(v.s.ws.win, "Which visit note?", container.NewVScroll(box), &action{text: "Cancel"}, nil)
	d.d.Resize(fyne.NewSize(560, 400))
}

// print makes one printout of the chart that needs no further choice.
func (v *chartView) print(kind chart.PrintKind) {
	p := v.c.Patient
	switch kind {
	case chart.PrintSummary:
		v.askDisclosure("patient summary", func(leaves *chart.Disclosure) {
			v.render(kind, leaves, "Patient summary of "+p.Name(), func(buf *bytes.Buffer, pg report.Page) (report.Warnings, error) {
				return report.Summary(buf, pg, v.c, summaryVisits)
			})
		})
	case chart.PrintDisclosures:
		v.render(kind, nil, "Accounting of disclosures of "+p.Name(), func(buf *bytes.Buffer, pg report.Page) (report.Warnings, error) {
			ds, err := v.s.svc.Disclosures(p.ID)
			if err != nil {
				return nil, err
			}
			return report.Disclosures(buf, pg, p, ds)
		})
	case chart.PrintAccess:
		v.render(kind, nil, "Access report of "+p.Name(), func(buf *bytes.Buffer, pg report.Page) (report.Warnings, error) {
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
	v.askDisclosure("visit note of "+showDate(visit.Date), func(leaves *chart.Disclosure) {
		v.render(chart.PrintVisit, leaves, "Visit note of "+showDate(visit.Date), func(buf *bytes.Buffer, pg report.Page) (report.Warnings, error) {
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
	askForm(v.s.ws.win, "Scan cover sheet",
		container.NewVBox(paragraph("Put the sheet on top of the paper when scanning: intake reads its code and files the pages into this chart."), pick), "Print", "Cancel", nil, func() {
			cat := chart.Categories[pick.SelectedIndex()]
			v.render(chart.PrintCover, nil, "Cover sheet ("+cat.Title+") for "+v.c.Patient.Name(), func(buf *bytes.Buffer, pg report.Page) (report.Warnings, error) {
				return report.CoverSheet(buf, pg, v.s.svc.PracticeID(), v.c.Patient, cat.Name)
			})
		})
}

// printLabels asks how many labels and prints them.
func (v *chartView) printLabels() {
	count := newEntry("")
	count.SetText("30")
	askForm(v.s.ws.win, "Labels (Avery 5160)",
		widget.NewForm(widget.NewFormItem("How many", count)), "Print", "Cancel", nil, func() {
			n, err := strconv.Atoi(strings.TrimSpace(count.Text))
			if err != nil || n < 1 || n > 300 {
				showMessage(v.s.ws.win, "Not printed", "Give a number of labels from 1 to 300 (a sheet holds 30).")
				return
			}
			v.render(chart.PrintLabels, nil, "Labels for "+v.c.Patient.Name(), func(buf *bytes.Buffer, pg report.Page) (report.Warnings, error) {
				return report.Labels(buf, pg, v.c.Patient, n)
			})
		})
}

// askDisclosure asks whether a clinical printout leaves the practice and,
// if so, to whom and why: that is recorded in the patient's accounting of
// disclosures.
func (v *chartView) askDisclosure(what string, then func(*chart.Disclosure)) {
	recipient := newEntry("the person or organisation")
	purpose := newEntry("e.g. referral, patient's request, insurer")
	leaves := widget.NewRadioGroup([]string{"Stays in the practice", "Given to someone outside the practice"}, nil)
	leaves.SetSelected("Stays in the practice")
	details := widget.NewForm(widget.NewFormItem("Given to", recipient), widget.NewFormItem("Why", purpose))
	details.Hide()
	leaves.OnChanged = func(s string) {
		if strings.HasPrefix(s, "Given") {
			details.Show()
			v.s.ws.win.Canvas().Focus(recipient)
		} else {
			details.Hide()
		}
	}
	askForm(v.s.ws.win, "Print the "+what,
		container.NewVBox(paragraph("A printout that leaves the practice is recorded in the patient's accounting of disclosures."), leaves, details), "Make the PDF", "Cancel", nil, func() {
			if !strings.HasPrefix(leaves.Selected, "Given") {
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
		showError(s.ws.win, "Not printed", err)
		return
	}
	practice, err := s.ws.st.Practice()
	if err != nil {
		showError(s.ws.win, "Not printed", err)
		return
	}
	pg := report.Page{Practice: practice.Name, PrintedBy: s.user.Name, PrintedAt: time.Now(), Dates: showDateTime, Number: showNumber}
	file := string(kind) + "-" + v.c.Patient.MRN + ".pdf"
	runInBackground(func() {
		var buf bytes.Buffer
		warns, err := make(&buf, pg)
		fyne.Do(func() {
			if err != nil {
				showError(s.ws.win, "The PDF could not be made", err)
				return
			}
			s.ws.showPrintout(&printout{title: title, file: file, pdf: buf.Bytes(), warnings: warns})
		})
	})
}
