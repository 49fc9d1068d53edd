package ui

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
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
		container.NewTabItem(lang.L("Summary"), v.section(tabSummary, func() fyne.CanvasObject { return scroll(v.summary()) })),
		container.NewTabItem(lang.L("Problems"), clinical(func() fyne.CanvasObject { return v.section(tabProblems, v.problemList) })),
		container.NewTabItem(lang.L("Allergies"), clinical(func() fyne.CanvasObject { return v.section(tabAllergies, v.allergyList) })),
		container.NewTabItem(lang.L("Medications"), clinical(func() fyne.CanvasObject { return v.section(tabMedications, v.medicationList) })),
		container.NewTabItem(lang.L("Visits"), clinical(func() fyne.CanvasObject { return v.visits })),
		container.NewTabItem(lang.L("Vitals"), clinical(func() fyne.CanvasObject { return v.section(tabVitals, v.vitalsList) })),
		container.NewTabItem(lang.L("Immunizations"), clinical(func() fyne.CanvasObject { return v.section(tabImmunizations, v.immunizationList) })),
		container.NewTabItem(lang.L("Documents"), v.section(tabDocuments, v.documents)),
		container.NewTabItem(lang.L("Results"), clinical(v.results)),
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
	facts := strings.Join(words.NonEmpty(fmt.Sprintf(lang.L("MRN %s"), p.MRN), ageText(p, time.Now()), sexTitle(p.Sex), fmt.Sprintf(lang.L("born %s"), showDate(p.DOB)), deathText(p)), " · ")
	allergy := v.allergyBanner()
	v.banner = allergy
	top := fyne.CanvasObject(heading(ordered(name)))
	if role := v.s.user.Role; chart.Allowed(role, chart.PrintClinical) || chart.Allowed(role, chart.PrintAdmin) {
		top = container.NewBorder(nil, nil, nil, &widget.Button{Text: lang.L("Print… (Ctrl+P)"), Icon: theme.DocumentPrintIcon(), OnTapped: v.printMenu}, top)
	}
	parts := []fyne.CanvasObject{top, &widget.Label{Text: facts}, allergy}
	if v.c.BreakGlass {
		until := v.s.svc.BreakGlassUntil(p.ID)
		parts = append(parts, &widget.Label{
			Text:       fmt.Sprintf(lang.L("Opened with break-glass access until %s. This access is recorded and reviewed."), until.Local().Format("15:04")),
			Importance: widget.WarningImportance,
			Wrapping:   fyne.TextWrapWord,
		})
	}
	parts = append(parts, widget.NewSeparator())
	return container.NewVBox(parts...)
}

// ageText is the patient's age on a day in the words clinicians use
// (chart.AgeText: days for two weeks, weeks until three months, months
// until the first birthday, years and months until the second, then
// years), in the person's language; the age stops at a death, and is ""
// when none can be given.
func ageText(p chart.Patient, on time.Time) string {
	day, ok := chart.AgeOn(p.Deceased, p.DeceasedDate, on)
	if !ok {
		return ""
	}
	dob, err := time.Parse(time.DateOnly, p.DOB)
	if err != nil {
		return ""
	}
	day = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
	if day.Before(dob) {
		return ""
	}
	months := (day.Year()-dob.Year())*12 + int(day.Month()) - int(dob.Month())
	if day.Day() < dob.Day() {
		months--
	}
	days := int(day.Sub(dob).Hours() / 24)
	count := func(n int, one, many string) string {
		if n == 1 {
			return one
		}
		return fmt.Sprintf(many, n)
	}
	switch {
	case days < 14:
		return count(days, lang.L("1 day"), lang.L("%d days"))
	case months < 3:
		return count(days/7, lang.L("1 week"), lang.L("%d weeks"))
	case months < 12:
		return count(months, lang.L("1 month"), lang.L("%d months"))
	case months == 12:
		return lang.L("1 year")
	case months < 24:
		return count(months-12, lang.L("1 year 1 month"), lang.L("1 year %d months"))
	}
	return fmt.Sprintf(lang.L("%d years"), months/12)
}

// deathText is how the chart's header shows a death (chart's DeathText):
// "Died 2021-03-04", or "Deceased" without a date; "" for a living patient.
func deathText(p chart.Patient) string {
	switch {
	case p.DeceasedDate != "":
		return fmt.Sprintf(lang.L("Died %s"), showDate(p.DeceasedDate))
	case p.Deceased:
		return lang.L("Deceased")
	}
	return ""
}

// breakGlass asks for the reason to open the clinical chart beyond the role.
// The role's name ("Front desk"…) is translated as the administration
// screens translate it: they hold its keys.
func (v *chartView) breakGlass() fyne.CanvasObject {
	if !v.s.svc.CanBreakGlass() {
		return scroll(container.NewVBox(
			heading(lang.L("Your role does not reach the clinical chart")),
			paragraph(fmt.Sprintf(lang.L("%s users may not see problems, allergies, medications, visits, vital signs or immunizations. They are sealed under a key your role does not hold, so break-glass cannot open them either. In an emergency, ask a clinician or a health information manager."),
				lang.L(capital(v.s.user.Role.Title())))),
		))
	}
	reason := newEntry(lang.L("why you need to see this chart now"))
	reason.onActivity = v.s.touch
	f := newForm()
	f.add(lang.L("Reason"), "reason", reason)
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
		heading(lang.L("Your role does not reach the clinical chart")), banner,
		paragraph(fmt.Sprintf(lang.L("%s users may not see problems, allergies, medications, visits, vital signs or immunizations. In an emergency you may open them for reading for %d minutes by giving a reason. The access is recorded and a health information manager reviews it."),
			lang.L(capital(v.s.user.Role.Title())), minutes)),
		f.content(),
		container.NewHBox(&widget.Button{Text: lang.L("Open with break-glass"), Icon: theme.WarningIcon(), Importance: widget.DangerImportance, OnTapped: open}),
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
		parts = append(parts, widget.NewSeparator(), subheading(lang.L("Contact and identifiers")))
	}
	rows := [][2]string{
		{lang.L("Phone"), p.Phone},
		{lang.L("Address"), strings.Join(words.NonEmpty(p.Address.Line, p.Address.City, p.Address.Region, p.Address.PostalCode, p.Address.Country), ", ")},
		{lang.L("Language"), p.Language},
		{lang.L("Emergency contact"), strings.Join(words.NonEmpty(p.Emergency.Name, p.Emergency.Relation, p.Emergency.Phone), " · ")},
	}
	for _, id := range p.Identifiers {
		rows = append(rows, [2]string{id.System, id.Value})
	}
	parts = append(parts, glanceRows(rows, "—"))
	if chart.Allowed(v.s.user.Role, chart.WriteDemographics) {
		parts = append(parts, container.NewHBox(&widget.Button{Text: lang.L("Edit demographics"), Icon: theme.DocumentCreateIcon(), OnTapped: v.editDemographics}))
	}
	for _, m := range v.c.Merged {
		parts = append(parts, paragraph(fmt.Sprintf(lang.L("Includes the chart of %s (MRN %s), merged into this one."), m.Name(), m.MRN)))
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
		return fmt.Sprintf(lang.L("range %s"), localNumbers(s))
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
			meds = append(meds, [2]string{m.Name, strings.Join(words.NonEmpty(m.Dose, routeText(m.Route), m.Frequency), " · ") + since(m.Start)})
		}
	}
	parts := []fyne.CanvasObject{
		subheading(lang.L("Active problems")), glanceRows(problems, lang.L("None recorded.")),
		subheading(lang.L("Current medications")), glanceRows(meds, lang.L("None recorded.")),
	}
	if len(v.c.Vitals) == 0 {
		parts = append(parts, subheading(lang.L("Last vital signs")), glanceRows(nil, lang.L("None recorded.")))
	} else {
		x := v.c.Vitals[0] // newest first
		parts = append(parts, subheading(lang.L("Last vital signs")), glanceRows([][2]string{{showWhen(x.Taken), vitalsText(x)}}, lang.L("None recorded.")))
	}
	if len(v.c.Results) > 0 {
		var flagged [][2]string
		n := 0
		for _, r := range v.c.Results { // newest first
			if r.Abnormal() {
				n++
				if len(flagged) < glanceResults {
					flagged = append(flagged, [2]string{showDay(r.Taken),
						strings.Join(words.NonEmpty(r.Name, localNumbers(r.ValueText())+" ("+r.Flag+")", rangeOf(r)), " · ")})
				}
			}
		}
		title := lang.L("Results outside their range")
		if n > glanceResults {
			title = fmt.Sprintf(lang.L("Results outside their range (%d of %d; all under Results)"), glanceResults, n)
		}
		parts = append(parts, subheading(title), glanceRows(flagged, lang.L("None of the results is outside its range.")))
	}
	var visits [][2]string
	for i, vis := range v.c.Visits {
		if i == glanceVisits {
			break
		}
		visits = append(visits, [2]string{showDate(vis.Date), strings.Join(words.NonEmpty(vis.Reason, vis.Clinician, visitState(vis)), " · ")})
	}
	title := lang.L("Recent visits")
	if n := len(v.c.Visits); n > glanceVisits {
		title = fmt.Sprintf(lang.L("Recent visits (%d of %d; all under Visits)"), glanceVisits, n)
	}
	parts = append(parts, subheading(title), glanceRows(visits, lang.L("None recorded.")))
	return parts
}

// vitalsText is one set of vital signs on one line: "BP 128/82 mmHg ·
// pulse 71/min · 36.8 °C · SpO₂ 98 % · 88.2 kg · 178 cm · BMI 27.8".
func vitalsText(x chart.Vitals) string {
	var parts []string
	add := func(format string, a ...any) { parts = append(parts, fmt.Sprintf(format, a...)) }
	if x.Systolic > 0 {
		add(lang.L("BP %d/%d mmHg"), x.Systolic, x.Diastolic)
	}
	if x.Pulse > 0 {
		add(lang.L("pulse %d/min"), x.Pulse)
	}
	if x.TempC > 0 {
		add(lang.L("%s °C"), showNumber(x.TempC, 1))
	}
	if x.SpO2 > 0 {
		add(lang.L("SpO₂ %d %%"), x.SpO2)
	}
	if x.WeightKg > 0 {
		add(lang.L("%s kg"), oneDecimal(x.WeightKg))
	}
	if x.HeightCm > 0 {
		add(lang.L("%s cm"), oneDecimal(x.HeightCm))
	}
	if b := x.BMI(); b > 0 {
		add(lang.L("BMI %s"), showNumber(b, 1))
	}
	return strings.Join(parts, " · ")
}

// oneDecimal writes a measure with at most one decimal: 76.7, 79.
func oneDecimal(x float64) string {
	return showNumber(math.Round(x*10)/10, -1)
}

// visitState is "signed" or "not signed".
func visitState(v chart.Visit) string {
	if v.Signed {
		return lang.L("signed")
	}
	return lang.L("not signed")
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
	empty := lang.L("No documents filed.")
	if slices.Contains(v.c.Hidden, "clinical documents") { // i18n:skip: a section name, not shown
		empty = lang.L("No administrative documents filed. Clinical documents are not shown for your role.")
	}
	if len(v.c.Documents) == 0 {
		return scroll(paragraph(empty))
	}
	box := container.NewVBox()
	if slices.Contains(v.c.Hidden, "clinical documents") { // i18n:skip: a section name, not shown
		box.Add(paragraph(lang.L("Clinical documents are not shown for your role.")))
	}
	// A long title ends with an ellipsis rather than widening the chart.
	for _, d := range v.c.Documents {
		box.Add(homeRow(documentLine(d), lang.L("Open"), func() { v.openDocument(d) }))
	}
	return scroll(box)
}

// documentLine is "2026-01-05  Referral letter · Referral · 2 pages".
func documentLine(d chart.Document) string {
	cat, _ := chart.CategoryByName(d.Category)
	pages := ""
	if d.Pages > 0 {
		pages = lang.L("1 page")
		if d.Pages != 1 {
			pages = fmt.Sprintf(lang.L("%d pages"), d.Pages)
		}
	}
	return d.ClinicalDate + "  " + strings.Join(words.NonEmpty(d.Title, categoryWord(cat.Title), pages), " · ")
}

// categoryWord is a document category's title in the person's language:
// the titles are keys the chart package marks (chart.T), translated with
// the other sentences it hands to the screens.
func categoryWord(title string) string {
	if title == "" {
		return ""
	}
	return lang.L(title)
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
	return " · " + fmt.Sprintf(lang.L("since %s"), showDate(date))
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
