package ui

import (
	"fmt"
	"math"
	"slices"
	"strconv"
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
	// tables are the tables of records the tabs show, by tab index.
	tables map[int]*recordTable
	banner fyne.CanvasObject // the allergy banner (allergybanner.go)
	// trend is the vital signs tab's plot, and the choice of what it shows.
	trend       *plotView
	trendChoice *widget.RadioGroup
	// labTrend is the Results tab's table and trend plot (results.go).
	labTrend *resultsTrend
	glass    *glassPrompt // the break-glass reason, shared by the hidden tabs
}

func newChartView(s *session, c *chart.Chart) *chartView {
	return &chartView{s: s, c: c, sections: map[int]*section{}, tables: map[int]*recordTable{}}
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
		container.NewTabItem("Results", clinical(v.results)),
	)
	v.tabs.SetTabLocation(container.TabLocationLeading)
	v.tabs.OnSelected = func(*container.TabItem) {
		v.s.touch()
		if v.tabs.SelectedIndex() == tabResults && !v.clinicalHidden() {
			// Best effort: at worst the home lists these results once more.
			_ = v.s.svc.MarkResultsSeen(v.c.Patient.ID)
		}
	}
	return border(v.header(), nil, nil, nil, v.tabs)
}

// header shows who the chart is about, and their allergies, always.
func (v *chartView) header() fyne.CanvasObject {
	p := v.c.Patient
	name := p.Name()
	if p.Preferred != "" {
		name += " (" + p.Preferred + ")"
	}
	facts := strings.Join(words.NonEmpty("MRN "+p.MRN, p.AgeText(time.Now()), string(p.Sex), "born "+p.DOB, p.DeathText()), " · ")
	allergy := v.allergyBanner()
	v.banner = allergy
	top := fyne.CanvasObject(heading(ordered(name)))
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
	if !v.s.svc.CanBreakGlass() {
		return scroll(container.NewVBox(
			heading("Your role does not reach the clinical chart"),
			paragraph(fmt.Sprintf("%s users may not see problems, allergies, medications, visits, vital signs or immunizations. "+
				"They are sealed under a key your role does not hold, so break-glass cannot open them either. "+
				"In an emergency, ask a clinician or a health information manager.", capital(v.s.user.Role.Title()))),
		))
	}
	reason := newEntry("why you need to see this chart now")
	reason.onActivity = v.s.touch
	f := newForm()
	f.add("Reason", "reason", reason)
	// The reason typed is a form of its own: leaving it asks first, and a
	// lock keeps it as a draft (breakGlassForm).
	t, banner := v.breakGlassForm(reason, f)
	open := func() {
		if err := t.Save(); err != nil {
			return
		}
		v.s.openChart(v.c.Patient.ID)
	}
	reason.OnSubmitted = func(string) { open() }
	minutes := int(chart.DefaultBreakGlass / time.Minute)
	return scroll(container.NewVBox(
		heading("Your role does not reach the clinical chart"), banner,
		paragraph(fmt.Sprintf("%s users may not see problems, allergies, medications, visits, vital signs or immunizations. "+
			"In an emergency you may open them for reading for %d minutes by giving a reason. "+
			"The access is recorded and a health information manager reviews it.", capital(v.s.user.Role.Title()), minutes)),
		f.content(),
		container.NewHBox(&widget.Button{Text: "Open with break-glass", Icon: theme.WarningIcon(), Importance: widget.DangerImportance, OnTapped: open}),
	))
}

// summary is the chart at a glance: active problems, current
// medications, the last vital signs and the recent visits as short
// lists (for a role that reaches the clinical chart), then contact details
// and identifiers.
func (v *chartView) summary() fyne.CanvasObject {
	p := v.c.Patient
	var parts []fyne.CanvasObject
	if !v.clinicalHidden() {
		parts = append(parts, v.glance()...)
		parts = append(parts, widget.NewSeparator(), subheading("Contact and identifiers"))
	}
	rows := [][2]string{
		{"Phone", p.Phone},
		{"Address", strings.Join(words.NonEmpty(p.Address.Line, p.Address.City, p.Address.Region, p.Address.PostalCode, p.Address.Country), ", ")},
		{"Language", p.Language},
		{"Emergency contact", strings.Join(words.NonEmpty(p.Emergency.Name, p.Emergency.Relation, p.Emergency.Phone), " · ")},
	}
	for _, id := range p.Identifiers {
		rows = append(rows, [2]string{id.System, id.Value})
	}
	parts = append(parts, glanceRows(rows, "—"))
	if chart.Allowed(v.s.user.Role, chart.WriteDemographics) {
		parts = append(parts, container.NewHBox(&widget.Button{Text: "Edit demographics", Icon: theme.DocumentCreateIcon(), OnTapped: v.editDemographics}))
	}
	for _, m := range v.c.Merged {
		parts = append(parts, paragraph("Includes the chart of "+m.Name()+" (MRN "+m.MRN+"), merged into this one."))
	}
	return container.NewVBox(parts...)
}

// glanceVisits is how many visits the summary tab lists, newest first;
// glanceResults how many results outside their range.
const (
	glanceVisits  = 5
	glanceResults = 3
)

// rangeOf is "range 4.0–5.6", or "" without one.
func rangeOf(r chart.Result) string {
	if s := r.RangeShown(); s != "" {
		return "range " + s
	}
	return ""
}

// glance is the clinical part of the summary.
func (v *chartView) glance() []fyne.CanvasObject {
	now := time.Now()
	var problems [][2]string
	for _, pr := range v.c.Problems {
		if pr.Status == "active" {
			problems = append(problems, [2]string{codeOrDash(pr.Code), pr.Description + since(pr.Onset)})
		}
	}
	var meds [][2]string
	for _, m := range v.c.Medications {
		if m.Active(now) {
			meds = append(meds, [2]string{m.Name, strings.Join(words.NonEmpty(m.Dose, m.Route, m.Frequency), " · ") + since(m.Start)})
		}
	}
	parts := []fyne.CanvasObject{
		subheading("Active problems"), glanceRows(problems, "None recorded."),
		subheading("Current medications"), glanceRows(meds, "None recorded."),
	}
	if len(v.c.Vitals) == 0 {
		parts = append(parts, subheading("Last vital signs"), glanceRows(nil, "None recorded."))
	} else {
		x := v.c.Vitals[0] // newest first
		parts = append(parts, subheading("Last vital signs"), glanceRows([][2]string{{x.Taken.Local().Format(takenLayout), vitalsText(x)}}, "None recorded."))
	}
	if len(v.c.Results) > 0 {
		var flagged [][2]string
		n := 0
		for _, r := range v.c.Results { // newest first
			if r.Abnormal() {
				n++
				if len(flagged) < glanceResults {
					flagged = append(flagged, [2]string{r.Taken.Local().Format("2006-01-02"),
						strings.Join(words.NonEmpty(r.Name, r.ValueText()+" ("+r.Flag+")", rangeOf(r)), " · ")})
				}
			}
		}
		title := "Results outside their range"
		if n > glanceResults {
			title = fmt.Sprintf("Results outside their range (%d of %d; all under Results)", glanceResults, n)
		}
		parts = append(parts, subheading(title), glanceRows(flagged, "None of the results is outside its range."))
	}
	var visits [][2]string
	for i, vis := range v.c.Visits {
		if i == glanceVisits {
			break
		}
		visits = append(visits, [2]string{vis.Date, strings.Join(words.NonEmpty(vis.Reason, vis.Clinician, visitState(vis)), " · ")})
	}
	title := "Recent visits"
	if n := len(v.c.Visits); n > glanceVisits {
		title = fmt.Sprintf("Recent visits (%d of %d; all under Visits)", glanceVisits, n)
	}
	parts = append(parts, subheading(title), glanceRows(visits, "None recorded."))
	return parts
}

// vitalsText is one set of vital signs on one line: "BP 128/82 mmHg ·
// pulse 71/min · 36.8 °C · SpO₂ 98 % · 88.2 kg · 178 cm · BMI 27.8".
func vitalsText(x chart.Vitals) string {
	var parts []string
	add := func(format string, a ...any) { parts = append(parts, fmt.Sprintf(format, a...)) }
	if x.Systolic > 0 {
		add("BP %d/%d mmHg", x.Systolic, x.Diastolic)
	}
	if x.Pulse > 0 {
		add("pulse %d/min", x.Pulse)
	}
	if x.TempC > 0 {
		add("%.1f °C", x.TempC)
	}
	if x.SpO2 > 0 {
		add("SpO₂ %d %%", x.SpO2)
	}
	if x.WeightKg > 0 {
		add("%s kg", oneDecimal(x.WeightKg))
	}
	if x.HeightCm > 0 {
		add("%s cm", oneDecimal(x.HeightCm))
	}
	if b := x.BMI(); b > 0 {
		add("BMI %.1f", b)
	}
	return strings.Join(parts, " · ")
}

// oneDecimal writes a measure with at most one decimal: 76.7, 79.
func oneDecimal(x float64) string {
	return strconv.FormatFloat(math.Round(x*10)/10, 'f', -1, 64)
}

// visitState is "signed" or "not signed".
func visitState(v chart.Visit) string {
	if v.Signed {
		return "signed"
	}
	return "not signed"
}

// codeOrDash is a code with its dot, or a dash for none.
func codeOrDash(code string) string {
	if code == "" {
		return "—"
	}
	return codeText(code)
}

// glanceRows lays rows out as a short two-column list (the first column
// bold), or says empty when there are none.
func glanceRows(rows [][2]string, empty string) fyne.CanvasObject {
	if len(rows) == 0 {
		l := paragraph(empty)
		l.Importance = widget.LowImportance
		return l
	}
	grid := container.New(layout.NewFormLayout())
	for _, r := range rows {
		if r[1] == "" {
			r[1] = empty
		}
		grid.Add(&widget.Label{Text: clip(r[0], 32), TextStyle: fyne.TextStyle{Bold: true}})
		grid.Add(&widget.Label{Text: r[1], Truncation: fyne.TextTruncateEllipsis})
	}
	return grid
}

// clip shortens text to n characters, with an ellipsis.
func clip(text string, n int) string {
	r := []rune(text)
	if len(r) <= n {
		return text
	}
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

// subheading is the title of a part of a tab.
func subheading(text string) *widget.Label {
	return &widget.Label{Text: text, TextStyle: fyne.TextStyle{Bold: true}, Importance: widget.HighImportance, Wrapping: fyne.TextWrapWord}
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
	// A long title ends with an ellipsis rather than widening the chart.
	for _, d := range v.c.Documents {
		box.Add(homeRow(documentLine(d), "Open", func() { v.openDocument(d) }))
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

func scroll(o fyne.CanvasObject) fyne.CanvasObject {
	return container.NewVScroll(container.NewPadded(o))
}

func since(date string) string {
	if date == "" {
		return ""
	}
	return " · since " + date
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
