package ui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/chart"
	"chartkeeper/internal/words"
)

// chartView is one patient's chart: a header that is always visible (name,
// MRN, age, sex, allergies) over tabs for each section. Sections the role
// does not reach (chart.Chart.Hidden) show the break-glass prompt instead.
type chartView struct {
	s      *session
	c      *chart.Chart
	tabs   *container.AppTabs
	visits *fyne.Container // the visits tab: the list or one visit
	// sections are the tabs that list and edit records, by tab index.
	sections map[int]*section
}

func newChartView(s *session, c *chart.Chart) *chartView {
	return &chartView{s: s, c: c, sections: map[int]*section{}}
}

// clinicalHidden reports whether the role does not reach the clinical chart.
func (v *chartView) clinicalHidden() bool {
	return slices.Contains(v.c.Hidden, "clinical")
}

func (v *chartView) content() fyne.CanvasObject {
	clinical := func(build func() fyne.CanvasObject) fyne.CanvasObject {
		if v.clinicalHidden() {
			return v.breakGlass()
		}
		return build()
	}
	v.visits = container.NewStack()
	v.showVisits()
	v.tabs = container.NewAppTabs(
		container.NewTabItem("Summary", v.section(tabSummary, func() fyne.CanvasObject { return scroll(v.summary()) })),
		container.NewTabItem("Problems", clinical(func() fyne.CanvasObject { return v.section(tabProblems, v.problemList) })),
		container.NewTabItem("Allergies", clinical(func() fyne.CanvasObject { return v.section(tabAllergies, v.allergyList) })),
		container.NewTabItem("Medications", clinical(func() fyne.CanvasObject { return v.section(tabMedications, v.medicationList) })),
		container.NewTabItem("Visits", clinical(func() fyne.CanvasObject { return v.visits })),
		container.NewTabItem("Vitals", clinical(func() fyne.CanvasObject { return v.section(tabVitals, v.vitalsList) })),
		container.NewTabItem("Immunizations", clinical(func() fyne.CanvasObject { return v.section(tabImmunizations, v.immunizationList) })),
		container.NewTabItem("Documents", v.section(tabDocuments, v.documents)),
	)
	v.tabs.SetTabLocation(container.TabLocationLeading)
	v.tabs.OnSelected = func(*container.TabItem) { v.s.touch() }
	return border(v.header(), nil, nil, nil, v.tabs)
}

// header shows who the chart is about, and their allergies, always.
func (v *chartView) header() fyne.CanvasObject {
	p := v.c.Patient
	name := p.Name()
	if p.Preferred != "" {
		name += " (" + p.Preferred + ")"
	}
	facts := strings.Join(words.NonEmpty("MRN "+p.MRN, chart.AgeText(p.DOB, time.Now()), string(p.Sex), "born "+p.DOB), " · ")
	allergy := &widget.Label{Wrapping: fyne.TextWrapWord, TextStyle: fyne.TextStyle{Bold: true}}
	switch {
	case v.clinicalHidden():
		allergy.Text = "Allergies: not shown for your role."
	case len(v.c.Allergies) == 0:
		allergy.Text = "No allergies recorded."
	default:
		var names []string
		for _, a := range v.c.Allergies {
			if a.Status != "inactive" {
				names = append(names, a.Substance+" ("+a.Severity+")")
			}
		}
		allergy.Text = "Allergies: " + strings.Join(names, ", ")
		allergy.Importance = widget.DangerImportance
	}
	top := fyne.CanvasObject(heading(name))
	if role := v.s.user.Role; chart.Allowed(role, chart.PrintClinical) || chart.Allowed(role, chart.PrintAdmin) {
		top = container.NewBorder(nil, nil, nil, &widget.Button{Text: "Print… (Ctrl+P)", Icon: theme.DocumentPrintIcon(), OnTapped: v.printMenu}, top)
	}
	parts := []fyne.CanvasObject{top, &widget.Label{Text: facts}, allergy}
	if v.c.BreakGlass {
		until := v.s.svc.BreakGlassUntil(p.ID)
		parts = append(parts, &widget.Label{
			Text:       "Opened with break-glass access until " + until.Local().Format("15:04") + ". This access is recorded and reviewed.",
			Importance: widget.WarningImportance,
			Wrapping:   fyne.TextWrapWord,
		})
	}
	parts = append(parts, widget.NewSeparator())
	return container.NewVBox(parts...)
}

// breakGlass asks for the reason to open the clinical chart beyond the role.
func (v *chartView) breakGlass() fyne.CanvasObject {
	reason := newEntry("why you need to see this chart now")
	reason.onActivity = v.s.touch
	f := newForm()
	f.add("Reason", "reason", reason)
	open := func() {
		if _, err := v.s.svc.OpenBreakGlass(v.c.Patient.ID, reason.Text); err != nil {
			f.show(err)
			return
		}
		v.s.openChart(v.c.Patient.ID)
	}
	reason.OnSubmitted = func(string) { open() }
	minutes := int(chart.DefaultBreakGlass / time.Minute)
	return scroll(container.NewVBox(
		heading("Your role does not reach the clinical chart"),
		paragraph(fmt.Sprintf("%s users may not see problems, allergies, medications, visits, vital signs or immunizations. "+
			"In an emergency you may open them for reading for %d minutes by giving a reason. "+
			"The access is recorded and a health information manager reviews it.", capital(v.s.user.Role.Title()), minutes)),
		f.content(),
		container.NewHBox(&widget.Button{Text: "Open with break-glass", Icon: theme.WarningIcon(), Importance: widget.DangerImportance, OnTapped: open}),
	))
}

func (v *chartView) summary() fyne.CanvasObject {
	p := v.c.Patient
	rows := [][2]string{
		{"Phone", p.Phone},
		{"Address", strings.Join(words.NonEmpty(p.Address.Line, p.Address.City, p.Address.Region, p.Address.PostalCode, p.Address.Country), ", ")},
		{"Language", p.Language},
		{"Emergency contact", strings.Join(words.NonEmpty(p.Emergency.Name, p.Emergency.Relation, p.Emergency.Phone), " · ")},
	}
	for _, id := range p.Identifiers {
		rows = append(rows, [2]string{id.System, id.Value})
	}
	grid := container.New(layout.NewFormLayout())
	for _, r := range rows {
		if r[1] == "" {
			r[1] = "—"
		}
		grid.Add(&widget.Label{Text: r[0], TextStyle: fyne.TextStyle{Bold: true}})
		grid.Add(&widget.Label{Text: r[1], Wrapping: fyne.TextWrapWord})
	}
	parts := []fyne.CanvasObject{grid}
	if chart.Allowed(v.s.user.Role, chart.WriteDemographics) {
		parts = append(parts, container.NewHBox(&widget.Button{Text: "Edit demographics", Icon: theme.DocumentCreateIcon(), OnTapped: v.editDemographics}))
	}
	if !v.clinicalHidden() {
		active := 0
		for _, pr := range v.c.Problems {
			if pr.Status == "active" {
				active++
			}
		}
		meds := 0
		for _, m := range v.c.Medications {
			if m.Active(time.Now()) {
				meds++
			}
		}
		parts = append(parts, widget.NewSeparator(), paragraph(fmt.Sprintf(
			"%s, %s, %s, %s.",
			words.Plural(active, "active problem"), words.Plural(meds, "current medication"),
			words.Plural(len(v.c.Visits), "visit"), words.Plural(len(v.c.Documents), "document"))))
	}
	for _, m := range v.c.Merged {
		parts = append(parts, paragraph("Includes the chart of "+m.Name()+" (MRN "+m.MRN+"), merged into this one."))
	}
	return container.NewVBox(parts...)
}

// vitalsLine is one set of vital signs as the list shows it.
func (v *chartView) vitalsLine(i int) string {
	x := v.c.Vitals[i]
	var parts []string
	if x.Systolic > 0 {
		parts = append(parts, fmt.Sprintf("BP %d/%d", x.Systolic, x.Diastolic))
	}
	if x.Pulse > 0 {
		parts = append(parts, fmt.Sprintf("pulse %d", x.Pulse))
	}
	if x.TempC > 0 {
		parts = append(parts, fmt.Sprintf("%.1f °C", x.TempC))
	}
	if x.SpO2 > 0 {
		parts = append(parts, fmt.Sprintf("SpO₂ %d%%", x.SpO2))
	}
	if x.WeightKg > 0 {
		parts = append(parts, fmt.Sprintf("%.1f kg", x.WeightKg))
	}
	if b := x.BMI(); b > 0 {
		parts = append(parts, fmt.Sprintf("BMI %.1f", b))
	}
	return x.Taken.Local().Format(takenLayout) + "  " + strings.Join(parts, " · ")
}

// documents lists the filed documents the role may see; each opens in
// the document viewer (viewer.go).
func (v *chartView) documents() fyne.CanvasObject {
	empty := "No documents filed."
	if slices.Contains(v.c.Hidden, "clinical documents") {
		empty = "No administrative documents filed. Clinical documents are not shown for your role."
	}
	if len(v.c.Documents) == 0 {
		return scroll(paragraph(empty))
	}
	box := container.NewVBox()
	if slices.Contains(v.c.Hidden, "clinical documents") {
		box.Add(paragraph("Clinical documents are not shown for your role."))
	}
	for _, d := range v.c.Documents {
		box.Add(&widget.Button{Text: documentLine(d), Icon: theme.FileIcon(), Alignment: widget.ButtonAlignLeading,
			OnTapped: func() { v.openDocument(d) }})
	}
	return scroll(box)
}

// documentLine is "2026-01-05  Referral letter · Referral · 2 pages".
func documentLine(d chart.Document) string {
	cat, _ := chart.CategoryByName(d.Category)
	pages := ""
	if d.Pages > 0 {
		pages = words.Plural(d.Pages, "page")
	}
	return d.ClinicalDate + "  " + strings.Join(words.NonEmpty(d.Title, cat.Title, pages), " · ")
}

// extensionOf is the file name extension viewers expect for a content type.
func extensionOf(contentType string) string {
	switch contentType {
	case "application/pdf":
		return ".pdf"
	case "image/tiff":
		return ".tiff"
	case "image/jpeg":
		return ".jpg"
	case "image/png":
		return ".png"
	}
	return ""
}

// lines lists n lines of text, or says empty when there are none.
func lines(n int, empty string, line func(i int) string) fyne.CanvasObject {
	if n == 0 {
		return scroll(paragraph(empty))
	}
	box := container.NewVBox()
	for i := range n {
		box.Add(&widget.Label{Text: line(i), Wrapping: fyne.TextWrapWord})
	}
	return scroll(box)
}

func scroll(o fyne.CanvasObject) fyne.CanvasObject {
	return container.NewVScroll(container.NewPadded(o))
}

func since(date string) string {
	if date == "" {
		return ""
	}
	return " · since " + date
}

func lot(l string) string {
	if l == "" {
		return ""
	}
	return "lot " + l
}

// editDemographics shows the demographics form in the detail pane.
func (v *chartView) editDemographics() {
	v.s.touch()
	if v.s.asked(v.editDemographics) {
		return
	}
	r := newDemographicsForm(v.s, v.c.Patient)
	v.s.chart = nil
	v.s.showDetail(r.content())
	r.focus()
}
