package fhir

import (
	"cmp"
	"encoding/base64"
	"strconv"
	"strings"
	"unicode/utf8"

	"chartkeeper/chart"
)

// resultRef is where an Observation went: a chart's result.
type resultRef struct{ chart, index int }

// observationCategories are the FHIR observation categories a result keeps
// as they are; any other is "other".
var observationCategories = map[string]bool{"laboratory": true, "vital-signs": true, "social-history": true, "survey": true,
	"exam": true, "imaging": true, "procedure": true, "therapy": true, "activity": true}

// interpretationFlags maps HL7 observation interpretation codes to the
// chart's flags.
var interpretationFlags = map[string]string{
	"N": chart.FlagNormal, "L": chart.FlagLow, "H": chart.FlagHigh, "LL": chart.FlagCriticalLow, "HH": chart.FlagCriticalHigh,
	"LU": chart.FlagCriticalLow, "HU": chart.FlagCriticalHigh, "A": chart.FlagAbnormal, "AA": chart.FlagAbnormal,
	"<": chart.FlagLow, ">": chart.FlagHigh,
}

// result keeps an Observation as a result of the chart.
func (p *parser) result(i, c int, r Observation) {
	res := chart.Result{Name: clip(textOf(&r.Code), 500), Codings: codings(&r.Code), Status: r.Status, Category: "other"}
	for _, cat := range r.Category {
		if cd, ok := codeOf(&cat, systemObsCat); ok && observationCategories[cd.Code] {
			res.Category = cd.Code
			break
		}
	}
	when := cmp.Or(r.EffectiveDateTime, r.EffectiveInstant)
	if when == "" && r.EffectivePeriod != nil {
		when = r.EffectivePeriod.Start
	}
	when = cmp.Or(when, r.Issued)
	t, ok := parseInstant(when)
	if !ok {
		if when == "" {
			p.skip(i, "a result without a time (effective[x] or issued) cannot be put on the chart")
		} else {
			p.problem(i, "effectiveDateTime is not a FHIR dateTime")
		}
		return
	}
	res.Taken = t
	switch {
	case r.ValueQuantity != nil:
		res.Value, res.Comparator, res.Unit, res.UnitCode = quantityParts(r.ValueQuantity)
	case r.ValueCodeableConcept != nil:
		res.Text, res.ValueCodings = textOf(r.ValueCodeableConcept), codings(r.ValueCodeableConcept)
	case r.ValueString != nil:
		res.Text = strings.TrimSpace(*r.ValueString)
	case r.ValueInteger != nil:
		res.Value = r.ValueInteger.String()
	case r.ValueBoolean != nil:
		res.Text = map[bool]string{true: "yes", false: "no"}[*r.ValueBoolean]
	case r.ValueDateTime != "":
		res.Text = r.ValueDateTime
	}
	for _, in := range r.Interpretation {
		for _, cd := range in.Coding {
			if f, ok := interpretationFlags[cd.Code]; ok && res.Flag == "" {
				res.Flag, res.FlagFromSender = f, true
			}
		}
	}
	if len(r.ReferenceRange) > 0 {
		rr := r.ReferenceRange[0]
		if rr.Low != nil && rr.Low.Value != nil {
			res.Low = rr.Low.Value.String()
		}
		if rr.High != nil && rr.High.Value != nil {
			res.High = rr.High.Value.String()
		}
		res.RangeText = strings.TrimSpace(rr.Text)
		if len(r.ReferenceRange) > 1 {
			p.skip(i, "only the first of its %d reference ranges was kept", len(r.ReferenceRange))
		}
	}
	for _, comp := range r.Component {
		part := chart.ResultPart{Name: clip(textOf(&comp.Code), 500), Codings: codings(&comp.Code)}
		switch {
		case comp.ValueQuantity != nil:
			part.Value, _, part.Unit, part.UnitCode = quantityParts(comp.ValueQuantity)
		case comp.ValueCodeableConcept != nil:
			part.Text, part.ValueCodings = textOf(comp.ValueCodeableConcept), codings(comp.ValueCodeableConcept)
		case comp.ValueString != nil:
			part.Text = strings.TrimSpace(*comp.ValueString)
		}
		if part.Name == "" {
			part.Name = "component"
		}
		res.Parts = append(res.Parts, part)
	}
	res.Note = notesText(r.Note)
	p.resultOf[i] = resultRef{c, len(p.charts[c].Results)}
	p.charts[c].Results = append(p.charts[c].Results, res)
}

// quantityParts reads a quantity as the chart keeps it: the number as
// written, its comparator, its unit in words and its UCUM code.
func quantityParts(q *Quantity) (value, comparator, unit, code string) {
	if q.Value != nil {
		value = denoise(q.Value.String())
	}
	unit = strings.TrimSpace(cmp.Or(q.Unit, q.Code))
	if q.System == systemUCUM {
		code = strings.TrimSpace(q.Code)
	}
	return value, q.Comparator, unit, code
}

// denoise keeps a number as written unless it carries float noise (more
// than 12 significant digits, as 74.60000000000001 written by a program
// that computed it in binary floating point): that is rounded to 12
// significant digits, which is 74.6.
func denoise(s string) string {
	if strings.ContainsAny(s, "eE") {
		return s
	}
	if digits := len(strings.TrimLeft(strings.ReplaceAll(strings.TrimLeft(s, "+-"), ".", ""), "0")); digits <= 12 {
		return s
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return s
	}
	g, _ := strconv.ParseFloat(strconv.FormatFloat(f, 'g', 12, 64), 64)
	return strconv.FormatFloat(g, 'f', -1, 64)
}

func notesText(ns []Annotation) string {
	var out []string
	for _, n := range ns {
		if t := strings.TrimSpace(n.Text); t != "" {
			out = append(out, t)
		}
	}
	return strings.Join(out, "\n")
}

// procedure maps a Procedure to a procedure record of the chart.
func (p *parser) procedure(i int) {
	var r Procedure
	if !p.decode(i, &r) {
		return
	}
	if !p.status(i, r.Status, statusRule{
		keep:    []string{"completed", "in-progress", "not-done", "stopped", "on-hold", "preparation", "unknown"},
		skip:    []string{"entered-in-error"},
		skipWhy: ": it was recorded by mistake",
		other:   "status is not a Procedure status",
	}) {
		return
	}
	c, ok := p.patientOf(i, "subject", &r.Subject)
	if !ok {
		return
	}
	pr := chart.ProcedureRecord{Text: clip(textOf(r.Code), 500), Codings: codings(r.Code), Status: r.Status, Note: notesText(r.Note)}
	if pr.Text == "" {
		p.skip(i, "a procedure that does not say what was done (no code) is not kept")
		return
	}
	start, end := r.PerformedDateTime, ""
	if r.PerformedPeriod != nil {
		start, end = cmp.Or(start, r.PerformedPeriod.Start), r.PerformedPeriod.End
	}
	if pr.Date = p.optionalDate(i, "performed", start); pr.Date == "" {
		p.skip(i, "a procedure without the day it was done (performed[x]) cannot be put on the chart")
		return
	}
	if e := p.optionalDate(i, "performedPeriod.end", end); e != "" && e != pr.Date {
		pr.End = e
	}
	if len(r.ReasonCode) > 0 {
		pr.Reason = clip(textOf(&r.ReasonCode[0]), 500)
	}
	for _, rc := range r.ReasonCode {
		pr.ReasonCodings = append(pr.ReasonCodings, codings(&rc)...)
	}
	p.charts[c].Procedures = append(p.charts[c].Procedures, pr)
}

// textAttachment reads an attachment's data as text: ok is false when it
// is not text (by its content type, or not UTF-8) or not base64.
func textAttachment(a Attachment) (string, bool) {
	ct := strings.ToLower(a.ContentType)
	if a.Data == "" || !(strings.HasPrefix(ct, "text/") || ct == "") {
		return "", false
	}
	b, err := base64.StdEncoding.DecodeString(a.Data)
	if err != nil || !utf8.Valid(b) {
		return "", false
	}
	return string(b), true
}

// diagnosticReport maps a DiagnosticReport to a report of the chart: its
// text (a presentedForm in text), conclusion and the results it groups.
func (p *parser) diagnosticReport(i int) {
	var r DiagnosticReport
	if !p.decode(i, &r) {
		return
	}
	if !p.status(i, r.Status, statusRule{
		keep:    []string{"registered", "partial", "preliminary", "final", "amended", "corrected", "appended", "unknown"},
		skip:    []string{"cancelled", "entered-in-error"},
		skipWhy: ": there is no report",
		other:   "status is not a DiagnosticReport status",
	}) {
		return
	}
	c, ok := p.patientOf(i, "subject", r.Subject)
	if !ok {
		return
	}
	rep := chart.ImportedReport{Report: chart.Report{Kind: chart.ReportDiagnostic, Title: clip(textOf(&r.Code), 500), Codings: codings(&r.Code),
		Status: r.Status, Conclusion: strings.TrimSpace(r.Conclusion)}}
	if rep.Title == "" {
		p.problem(i, "code is required (what the report is)")
		return
	}
	for _, cat := range r.Category {
		rep.CategoryCodings = append(rep.CategoryCodings, codings(&cat)...)
	}
	when := r.EffectiveDateTime
	if when == "" && r.EffectivePeriod != nil {
		when = r.EffectivePeriod.Start
	}
	if rep.Date = p.optionalDate(i, "effective", cmp.Or(when, r.Issued)); rep.Date == "" {
		p.skip(i, "a report without a date (effective[x] or issued) cannot be put on the chart")
		return
	}
	for _, pf := range r.Performer {
		if d := strings.TrimSpace(pf.Display); d != "" {
			rep.Author = clip(d, 200)
			break
		}
	}
	for k, a := range r.PresentedForm {
		text, ok := textAttachment(a)
		switch {
		case !ok:
			p.skip(i, "its presentedForm %d is not text inside the bundle (%s) and was not kept", k+1, cmp.Or(a.ContentType, "no content type"))
		case rep.Text != "":
			p.skip(i, "only the first of its presented forms in text was kept")
		default:
			rep.Text, rep.ContentType = text, a.ContentType
		}
	}
	for _, ref := range r.Result {
		j, ok := p.resolve(ref.Reference)
		if !ok {
			continue
		}
		if rr, ok := p.resultOf[j]; ok && rr.chart == c {
			rep.Results = append(rep.Results, rr.index)
		}
	}
	p.charts[c].Reports = append(p.charts[c].Reports, rep)
}

// carePlan keeps a CarePlan as a note of the chart with its activities.
func (p *parser) carePlan(i int) {
	var r CarePlan
	if !p.decode(i, &r) {
		return
	}
	if !p.status(i, r.Status, statusRule{
		keep:    []string{"draft", "active", "on-hold", "revoked", "completed", "unknown"},
		skip:    []string{"entered-in-error"},
		skipWhy: ": it was recorded by mistake",
		other:   "status is not a CarePlan status",
	}) {
		return
	}
	c, ok := p.patientOf(i, "subject", &r.Subject)
	if !ok {
		return
	}
	rep := chart.Report{Kind: chart.ReportCarePlan, Status: r.Status, Title: strings.TrimSpace(r.Title)}
	for _, cat := range r.Category {
		rep.CategoryCodings = append(rep.CategoryCodings, codings(&cat)...)
		if t := strings.TrimSpace(cat.Text); t != "" && rep.Title == "" {
			rep.Title = t
		}
	}
	if rep.Title == "" {
		for _, cd := range rep.CategoryCodings {
			if cd.System != "http://hl7.org/fhir/us/core/CodeSystem/careplan-category" && cd.Display != "" {
				rep.Title = cd.Display
			}
		}
	}
	rep.Title = clip(cmp.Or(rep.Title, "Care plan"), 500)
	start, end := r.Created, ""
	if r.Period != nil {
		start, end = cmp.Or(r.Period.Start, start), r.Period.End
	}
	if rep.Date = p.optionalDate(i, "period.start", start); rep.Date == "" {
		p.skip(i, "a care plan without a date (period.start or created) cannot be put on the chart")
		return
	}
	rep.End = p.optionalDate(i, "period.end", end)
	rep.Text = strings.TrimSpace(strings.Join(nonEmpty(r.Description, notesText(r.Note)), "\n"))
	for _, a := range r.Activity {
		if a.Detail == nil {
			continue
		}
		it := chart.ReportItem{Text: clip(cmp.Or(textOf(a.Detail.Code), a.Detail.Description), 1000), Codings: codings(a.Detail.Code), Status: a.Detail.Status}
		if it.Text == "" {
			p.skip(i, "an activity without words or a code was left out")
			continue
		}
		rep.Items = append(rep.Items, it)
	}
	p.charts[c].Reports = append(p.charts[c].Reports, chart.ImportedReport{Report: rep})
}

// goal keeps a Goal as a note of the chart.
func (p *parser) goal(i int) {
	var r Goal
	if !p.decode(i, &r) {
		return
	}
	if !p.status(i, r.LifecycleStatus, statusRule{
		keep:    []string{"proposed", "planned", "accepted", "active", "on-hold", "completed", "cancelled", "rejected"},
		skip:    []string{"entered-in-error"},
		skipWhy: ": it was recorded by mistake",
		other:   "lifecycleStatus is not a Goal status",
	}) {
		return
	}
	c, ok := p.patientOf(i, "subject", &r.Subject)
	if !ok {
		return
	}
	rep := chart.Report{Kind: chart.ReportGoal, Status: r.LifecycleStatus, Title: clip(textOf(&r.Description), 500), Codings: codings(&r.Description),
		Text: notesText(r.Note)}
	if rep.Title == "" {
		p.problem(i, "description is required (what the goal is)")
		return
	}
	rep.Date = p.optionalDate(i, "startDate", cmp.Or(r.StartDate, r.StatusDate))
	p.charts[c].Reports = append(p.charts[c].Reports, chart.ImportedReport{Report: rep})
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}
