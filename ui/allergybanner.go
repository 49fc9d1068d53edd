package ui

import (
	"image/color"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/chart"
)

// The texts of the allergy banner's states.
const (
	bannerNotRecorded = "Allergies not recorded"
	bannerNKA         = "No known allergies"
	bannerHidden      = "Allergies: not shown for your role."
)

// allergyBanner is the boxed line above the chart's tabs, always visible,
// that says one of three things: the active allergies in red (substance
// and reaction), "No known allergies" as a clinician recorded it, or
// "Allergies not recorded". A role that does not reach the clinical chart
// is told so, never "no allergies".
func (v *chartView) allergyBanner() fyne.CanvasObject {
	var (
		stroke color.Color
		body   fyne.CanvasObject
	)
	txt := &widget.RichText{Wrapping: fyne.TextWrapWord, Scroll: container.ScrollNone}
	seg := func(text string, bold bool, col fyne.ThemeColorName) *widget.TextSegment {
		return &widget.TextSegment{Text: text, Style: widget.RichTextStyle{Inline: true, ColorName: col, TextStyle: fyne.TextStyle{Bold: bold}}}
	}
	state := v.c.AllergyState()
	switch {
	case v.clinicalHidden():
		stroke = theme.Color(theme.ColorNameDisabled)
		txt.Segments = []widget.RichTextSegment{seg(bannerHidden, false, theme.ColorNameForeground)}
	case state == chart.AllergiesRecorded:
		stroke = theme.Color(theme.ColorNameError)
		txt.Segments = append(txt.Segments, seg("Allergies: ", true, theme.ColorNameError))
		for i, a := range v.c.ActiveAllergies() {
			if i > 0 {
				txt.Segments = append(txt.Segments, seg(";  ", false, theme.ColorNameError))
			}
			txt.Segments = append(txt.Segments, seg(a.Substance, true, theme.ColorNameError))
			if detail := allergyDetail(a); detail != "" {
				txt.Segments = append(txt.Segments, seg(" ("+detail+")", false, theme.ColorNameError))
			}
		}
	case state == chart.NoKnownAllergiesState:
		stroke = theme.Color(theme.ColorNameSuccess)
		n, _ := v.c.NoKnownAllergy()
		txt.Segments = []widget.RichTextSegment{
			seg(bannerNKA, true, theme.ColorNameForeground),
			seg("  recorded "+showDay(n.RecordedAt)+" by "+n.RecordedBy, false, theme.ColorNamePlaceHolder),
		}
	default:
		stroke = theme.Color(theme.ColorNameWarning)
		txt.Segments = []widget.RichTextSegment{seg(bannerNotRecorded, true, theme.ColorNameWarning)}
	}
	body = txt
	if state == chart.AllergiesNotRecorded && !v.clinicalHidden() && v.writesClinical() {
		body = container.NewBorder(nil, nil, nil,
			&widget.Button{Text: "No known allergies…", Importance: widget.LowImportance, OnTapped: v.recordNoKnownAllergies}, txt)
	}
	box := canvas.NewRectangle(color.Transparent)
	box.StrokeColor = stroke
	box.StrokeWidth = 2
	box.CornerRadius = 4
	return container.NewStack(box, container.NewPadded(body))
}

// allergyDetail is "hives, severe": the reaction and the severity when known.
func allergyDetail(a chart.Allergy) string {
	var parts []string
	if r := strings.TrimSpace(a.Reaction); r != "" {
		parts = append(parts, r)
	}
	if a.Severity != "" && a.Severity != "unknown" {
		parts = append(parts, a.Severity)
	}
	return strings.Join(parts, ", ")
}

// writesClinical reports whether the user may change this chart's
// clinical records here (not under break-glass, which only reads).
func (v *chartView) writesClinical() bool {
	return chart.Allowed(v.s.user.Role, chart.WriteClinical) && !v.c.BreakGlass
}

// recordNoKnownAllergies asks, then records "No known allergies" and reads
// the chart again at the tab that was open.
func (v *chartView) recordNoKnownAllergies() {
	v.s.touch()
	p := v.c.Patient
	confirmAction(v.s.ws.win, "Record that "+p.Name()+" has no known allergies?",
		"Record this only after asking the patient (or whoever knows). Recording an allergy later replaces it.",
		"Record no known allergies", "Cancel",
		func() {
			if _, err := v.s.svc.RecordNoKnownAllergies(p.ID); err != nil {
				showError(v.s.ws.win, "No known allergies was not recorded", err)
				return
			}
			v.reopenAt(v.tabs.SelectedIndex())
		})
}
