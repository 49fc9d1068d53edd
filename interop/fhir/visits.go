package fhir

import (
	"encoding/json"
	"slices"
	"strings"

	"chartkeeper/chart"
)

// encounter maps an Encounter to a visit; its diagnoses join it when the
// Conditions are mapped.
func (p *parser) encounter(i int) {
	var r Encounter
	if !p.decode(i, &r) {
		return
	}
	if !p.status(i, r.Status, statusRule{
		keep:  []string{"finished", "in-progress", "arrived", "triaged", "onleave", "unknown", "planned"},
		skip:  []string{"cancelled", "entered-in-error"},
		other: "status is not an Encounter status",
	}) {
		return
	}
	c, ok := p.patientOf(i, "subject", &r.Subject)
	if !ok {
		return
	}
	var v chart.Visit
	if r.Period == nil || r.Period.Start == "" {
		p.problem(i, "period.start is required (the day of the visit)")
		return
	}
	d, kind := parseDate(r.Period.Start)
	if kind != dateFull {
		p.problem(i, "period.start is not a FHIR date or dateTime")
		return
	}
	v.Date = d
	for _, rc := range r.ReasonCode {
		if t := textOf(&rc); t != "" {
			v.Reason = t
			break
		}
	}
	if v.Reason == "" && len(r.Type) > 0 {
		v.Reason = textOf(&r.Type[0])
	}
	if v.Reason == "" {
		v.Reason = "Visit"
	}
	if len([]rune(v.Reason)) > 500 {
		v.Reason = string([]rune(v.Reason)[:500])
	}
	for _, pa := range r.Participant {
		if pa.Individual == nil {
			continue
		}
		name := strings.TrimSpace(pa.Individual.Display)
		if name == "" {
			name = p.practitionerName(pa.Individual.Reference)
		}
		if name != "" {
			v.Clinician = clip(name, 200)
			if id := pa.Individual.Identifier; id != nil && id.System == systemUser {
				v.ClinicianID = id.Value
			}
			break
		}
	}
	for _, t := range r.Type {
		v.Codings = append(v.Codings, codings(&t)...)
	}
	for _, rc := range r.ReasonCode {
		v.ReasonCodings = append(v.ReasonCodings, codings(&rc)...)
	}
	// A finished visit of another system is history: it is kept signed as
	// imported, not as a draft. Chartkeeper's own visits say whether they
	// were signed (their signature extension).
	iv := chart.ImportedVisit{History: r.Status == "finished"}
	for _, e := range r.Extension {
		switch e.URL {
		case extURL("visit-subjective"):
			v.Subjective = deref(e.ValueString)
		case extURL("visit-objective"):
			v.Objective = deref(e.ValueString)
		case extURL("visit-assessment"):
			v.Assessment = deref(e.ValueString)
		case extURL("visit-plan"):
			v.Plan = deref(e.ValueString)
		case extURL("visit-imported"):
			v.ImportedFrom = extText(e.Extension, "from")
			if t, ok := parseInstant(subDateTime(e.Extension, "at")); ok {
				v.ImportedAt = t
			}
		case extURL("visit-signature"):
			iv.History = false
			v.Signed = true
			v.SignedBy, v.SignedByID = extText(e.Extension, "by"), extText(e.Extension, "by-id")
			if t, ok := parseInstant(subDateTime(e.Extension, "at")); ok {
				v.SignedAt = t
			} else {
				p.problem(i, "its signature has no time")
				return
			}
		case extURL("visit-procedure"):
			v.Procedures = append(v.Procedures, chart.Procedure{Code: extText(e.Extension, "code"), Description: extText(e.Extension, "description")})
		case extURL("visit-amendment"):
			a := chart.Amendment{Text: extText(e.Extension, "text"), Reason: extText(e.Extension, "reason"),
				Author: extText(e.Extension, "author"), AuthorID: extText(e.Extension, "author-id")}
			if t, ok := parseInstant(subDateTime(e.Extension, "at")); ok {
				a.At = t
			} else {
				p.problem(i, "an amendment has no time")
				return
			}
			iv.Amendments = append(iv.Amendments, a)
		}
	}
	iv.Visit = v
	dr := &encounterDraft{chart: c, visit: iv, rank1: -1}
	for _, dg := range r.Diagnosis {
		j, ok := p.resolve(dg.Condition.Reference)
		if !ok || p.heads[j].ResourceType != "Condition" {
			p.problem(i, "a diagnosis names a condition that is not in the bundle")
			return
		}
		if dg.Rank != nil && *dg.Rank == 1 && dr.rank1 < 0 {
			dr.rank1 = j
		}
		dr.diag = append(dr.diag, j)
	}
	p.encounters[i] = dr
}

// practitionerName is the name of the Practitioner a reference names in
// the bundle ("Dr. Ana Ruiz"), or "".
func (p *parser) practitionerName(ref string) string {
	j, ok := p.resolve(ref)
	if !ok || p.heads[j].ResourceType != "Practitioner" {
		return ""
	}
	var r Practitioner
	if json.Unmarshal(p.b.Entry[j].Resource, &r) != nil || len(r.Name) == 0 {
		return ""
	}
	n := r.Name[0]
	if t := strings.TrimSpace(n.Text); t != "" {
		return t
	}
	return strings.TrimSpace(strings.Join(slices.Concat(n.Prefix, n.Given, []string{n.Family}), " "))
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func subDateTime(exts []Extension, name string) string {
	for _, e := range exts {
		if e.URL == name || e.URL == extURL(name) {
			return e.ValueDateTime
		}
	}
	return ""
}

// condition maps a Condition: a diagnosis of a visit in the bundle when it
// has an ICD-10-CM code and the visit names it (or it names the visit as
// an encounter diagnosis), else a problem of the problem list.
func (p *parser) condition(i int) {
	var r Condition
	if !p.decode(i, &r) {
		return
	}
	c, ok := p.patientOf(i, "subject", &r.Subject)
	if !ok {
		return
	}
	if r.Code == nil || textOf(r.Code) == "" {
		p.problem(i, "code is required (what the condition is)")
		return
	}
	if r.Encounter != nil && r.Encounter.Reference != "" {
		if _, ok := p.resolve(r.Encounter.Reference); !ok {
			p.problem(i, "its encounter names a visit that is not in the bundle")
			return
		}
	}
	icd, hasICD := codeOf(r.Code, systemICD10CM)
	if hasICD {
		if dr := p.diagnosisOf(i, r); dr != nil {
			if dr.chart != c {
				p.problem(i, "is a diagnosis of another patient's visit")
				return
			}
			dr.visit.Diagnoses = append(dr.visit.Diagnoses, chart.Diagnosis{Code: icd.Code, Description: icd.Display, Primary: dr.rank1 == i})
			p.used[i] = true
			return
		}
	}
	pr := chart.Problem{Description: textOf(r.Code), Status: "active"}
	for _, cd := range codings(r.Code) {
		if !(hasICD && cd.System == systemICD10CM && cd.Code == icd.Code) {
			pr.Codings = append(pr.Codings, cd)
		}
	}
	if len([]rune(pr.Description)) > 500 {
		pr.Description = string([]rune(pr.Description)[:500])
	}
	if hasICD {
		pr.Code = icd.Code
		if r.Code.Text == "" && icd.Display != "" {
			pr.Description = icd.Display
		}
	}
	if r.ClinicalStatus != nil {
		switch statusCode(r.ClinicalStatus) {
		case "active", "recurrence", "relapse":
		case "inactive", "remission":
			pr.Status = "inactive"
		case "resolved":
			pr.Status = "resolved"
		default:
			p.problem(i, "clinicalStatus must be active, recurrence, relapse, inactive, remission or resolved")
			return
		}
	} else if r.AbatementDateTime != "" {
		pr.Status = "resolved"
	}
	pr.Onset = p.partialDate(i, "onsetDateTime", r.OnsetDateTime)
	var notes []string
	for _, n := range r.Note {
		if t := strings.TrimSpace(n.Text); t != "" {
			notes = append(notes, t)
		}
	}
	pr.Note = strings.Join(notes, "\n")
	p.charts[c].Problems = append(p.charts[c].Problems, pr)
}

// diagnosisOf finds the visit a Condition is a diagnosis of.
func (p *parser) diagnosisOf(i int, r Condition) *encounterDraft {
	for _, dr := range p.encounters {
		if slices.Contains(dr.diag, i) {
			return dr
		}
	}
	isDiag := false
	for _, cat := range r.Category {
		if hasCode(&cat, systemCondCat, "encounter-diagnosis") {
			isDiag = true
		}
	}
	if isDiag && r.Encounter != nil {
		if j, ok := p.resolve(r.Encounter.Reference); ok {
			return p.encounters[j]
		}
	}
	return nil
}
