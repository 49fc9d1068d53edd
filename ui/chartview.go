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
)

// chartView is one patient's chart: a header that is always visible (name,
// MRN, age, sex, allergies) over tabs for each section. Sections the role
// does not reach (chart.Chart.Hidden) show the break-glass prompt instead.
type chartView struct {
	s      *session
	c      *chart.Chart
	tabs   *container.AppTabs
	visits *fyne.Container // the visits tab: the list or one visit
}

func newChartView(s *session, c *chart.Chart) *chartView {
	return &chartView{s: s, c: c}
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
		container.NewTabItem("Summary", scroll(v.summary())),
		container.NewTabItem("Problems", clinical(v.problems)),
		container.NewTabItem("Allergies", clinical(v.allergies)),
		container.NewTabItem("Medications", clinical(v.medications)),
		container.NewTabItem("Visits", clinical(func() fyne.CanvasObject { return v.visits })),
		container.NewTabItem("Vitals", clinical(v.vitals)),
		container.NewTabItem("Immunizations", clinical(v.immunizations)),
		container.NewTabItem("Documents", scroll(v.documents())),
	)
	v.tabs.SetTabLocation(container.TabLocationLeading)
	v.tabs.OnSelected = func(*container.TabItem) { v.s.touch() }
	return container.NewBorder(v.header(), nil, nil, nil, v.tabs)
}

// header shows who the chart is about, and their allergies, always.
func (v *chartView) header() fyne.CanvasObject {
	p := v.c.Patient
	name := p.Name()
	if p.Preferred != "" {
		name += " (" + p.Preferred + ")"
	}
	facts := fmt.Sprintf("MRN %s · %d years · %s · born %s", p.MRN, chart.Age(p.DOB, time.Now()), p.Sex, p.DOB)
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
	parts := []fyne.CanvasObject{heading(name), &widget.Label{Text: facts}, allergy}
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
	msg := errorLabel()
	open := func() {
		if _, err := v.s.svc.OpenBreakGlass(v.c.Patient.ID, reason.Text); err != nil {
			setError(msg, sentence(err))
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
		reason,
		msg,
		container.NewHBox(&widget.Button{Text: "Open with break-glass", Icon: theme.WarningIcon(), Importance: widget.DangerImportance, OnTapped: open}),
	))
}

func (v *chartView) summary() fyne.CanvasObject {
	p := v.c.Patient
	rows := [][2]string{
		{"Phone", p.Phone},
		{"Address", strings.Join(nonEmpty(p.Address.Line, p.Address.City, p.Address.Region, p.Address.PostalCode, p.Address.Country), ", ")},
		{"Language", p.Language},
		{"Emergency contact", strings.Join(nonEmpty(p.Emergency.Name, p.Emergency.Relation, p.Emergency.Phone), " · ")},
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
			"%d active problems, %d current medications, %d visits, %d documents.",
			active, meds, len(v.c.Visits), len(v.c.Documents))))
	}
	for _, m := range v.c.Merged {
		parts = append(parts, paragraph("Includes the chart of "+m.Name()+" (MRN "+m.MRN+"), merged into this one."))
	}
	return container.NewVBox(parts...)
}

func (v *chartView) problems() fyne.CanvasObject {
	return lines(len(v.c.Problems), "No problems recorded.", func(i int) string {
		p := v.c.Problems[i]
		return fmt.Sprintf("%s  %s · %s%s", p.Code, p.Description, p.Status, since(p.Onset))
	})
}

func (v *chartView) allergies() fyne.CanvasObject {
	return lines(len(v.c.Allergies), "No allergies recorded.", func(i int) string {
		a := v.c.Allergies[i]
		return strings.Join(nonEmpty(a.Substance, a.Reaction, a.Severity, a.Status), " · ")
	})
}

func (v *chartView) medications() fyne.CanvasObject {
	return lines(len(v.c.Medications), "No medications recorded.", func(i int) string {
		m := v.c.Medications[i]
		state := "stopped " + m.Stop
		if m.Active(time.Now()) {
			state = "current"
		}
		return strings.Join(nonEmpty(m.Name, m.Dose, m.Route, m.Frequency, state), " · ")
	})
}

func (v *chartView) vitals() fyne.CanvasObject {
	return lines(len(v.c.Vitals), "No vital signs recorded.", func(i int) string {
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
		return x.Taken.Local().Format("2006-01-02 15:04") + "  " + strings.Join(parts, " · ")
	})
}

func (v *chartView) immunizations() fyne.CanvasObject {
	return lines(len(v.c.Immunizations), "No immunizations recorded.", func(i int) string {
		im := v.c.Immunizations[i]
		return im.Date + "  " + strings.Join(nonEmpty(im.Vaccine, im.Dose, im.Site, lot(im.Lot)), " · ")
	})
}

func (v *chartView) documents() fyne.CanvasObject {
	empty := "No documents filed."
	if slices.Contains(v.c.Hidden, "clinical documents") {
		empty = "No administrative documents filed. Clinical documents are not shown for your role."
	}
	return lines(len(v.c.Documents), empty, func(i int) string {
		d := v.c.Documents[i]
		cat, _ := chart.CategoryByName(d.Category)
		pages := ""
		if d.Pages > 0 {
			pages = fmt.Sprintf("%d pages", d.Pages)
		}
		return d.ClinicalDate + "  " + strings.Join(nonEmpty(d.Title, cat.Title, pages), " · ")
	})
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

func nonEmpty(ss ...string) []string {
	return slices.DeleteFunc(ss, func(s string) bool { return strings.TrimSpace(s) == "" })
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
