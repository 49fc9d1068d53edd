package fhir

import (
	"cmp"
	"encoding/base64"
	"encoding/json"

	"chartkeeper/chart"
)

func procedureResource(p chart.ProcedureRecord, subject Reference) Procedure {
	r := Procedure{ResourceType: "Procedure", ID: resourceID(p.ID), Status: p.Status, Subject: subject,
		Code: concept(p.Text, p.Codings)}
	if p.End != "" {
		r.PerformedPeriod = &Period{Start: p.Date, End: p.End}
	} else {
		r.PerformedDateTime = p.Date
	}
	if p.Reason != "" || len(p.ReasonCodings) > 0 {
		r.ReasonCode = []CodeableConcept{*concept(p.Reason, p.ReasonCodings)}
	}
	if p.Note != "" {
		r.Note = []Annotation{{Text: p.Note}}
	}
	return r
}

// resultCategoryDisplay are the FHIR displays of the observation categories.
var resultCategoryDisplay = map[string]string{"laboratory": "Laboratory", "vital-signs": "Vital Signs", "social-history": "Social History",
	"survey": "Survey", "exam": "Exam", "imaging": "Imaging", "procedure": "Procedure", "therapy": "Therapy", "activity": "Activity"}

// number is a decimal kept as written, as a JSON number.
func number(s string) *json.Number {
	n := json.Number(s)
	return &n
}

// unitQuantity is a value with its unit: the UCUM code when the sender
// gave one.
func unitQuantity(value, comparator, unit, code string) *Quantity {
	q := &Quantity{Value: number(value), Comparator: comparator, Unit: unit}
	if code != "" {
		q.System, q.Code = systemUCUM, code
	}
	return q
}

func resultResource(x chart.Result, subject Reference) Observation {
	r := Observation{ResourceType: "Observation", ID: resourceID(x.ID), Status: x.Status, Subject: subject,
		Code: *concept(x.Name, x.Codings), EffectiveDateTime: instant(x.Taken)}
	if d, ok := resultCategoryDisplay[x.Category]; ok {
		r.Category = []CodeableConcept{{Coding: []Coding{{System: systemObsCat, Code: x.Category, Display: d}}}}
	}
	switch {
	case x.Value != "":
		r.ValueQuantity = unitQuantity(x.Value, x.Comparator, x.Unit, x.UnitCode)
	case len(x.ValueCodings) > 0:
		r.ValueCodeableConcept = concept(x.Text, x.ValueCodings)
	case x.Text != "":
		t := x.Text
		r.ValueString = &t
	}
	if x.Flag != "" && x.FlagFromSender { // a flag worked out from the range is worked out again on import
		r.Interpretation = []CodeableConcept{{Coding: []Coding{{System: systemInterp, Code: x.Flag}}}}
	}
	if x.Low != "" || x.High != "" || x.RangeText != "" {
		rr := ReferenceRange{Text: x.RangeText}
		if x.Low != "" {
			rr.Low = unitQuantity(x.Low, "", x.Unit, x.UnitCode)
		}
		if x.High != "" {
			rr.High = unitQuantity(x.High, "", x.Unit, x.UnitCode)
		}
		r.ReferenceRange = []ReferenceRange{rr}
	}
	for _, p := range x.Parts {
		c := ObservationComponent{Code: *concept(p.Name, p.Codings)}
		switch {
		case p.Value != "":
			c.ValueQuantity = unitQuantity(p.Value, "", p.Unit, p.UnitCode)
		case len(p.ValueCodings) > 0:
			c.ValueCodeableConcept = concept(p.Text, p.ValueCodings)
		case p.Text != "":
			t := p.Text
			c.ValueString = &t
		}
		r.Component = append(r.Component, c)
	}
	if x.Note != "" {
		r.Note = []Annotation{{Text: x.Note}}
	}
	return r
}

// categories writes codings as categories, one concept each.
func categories(cs []chart.Coding) []CodeableConcept {
	var out []CodeableConcept
	for _, c := range cs {
		out = append(out, CodeableConcept{Coding: fhirCodings([]chart.Coding{c})})
	}
	return out
}

func reportResource(x chart.Report, subject Reference) any {
	id := resourceID(x.ID)
	switch x.Kind {
	case chart.ReportCarePlan:
		r := CarePlan{ResourceType: "CarePlan", ID: id, Status: x.Status, Intent: "plan", Title: x.Title, Description: x.Text,
			Category: categories(x.CategoryCodings), Subject: subject}
		if x.Date != "" || x.End != "" {
			r.Period = &Period{Start: x.Date, End: x.End}
		}
		for _, it := range x.Items {
			r.Activity = append(r.Activity, CarePlanActivity{Detail: &CarePlanDetail{Code: concept(it.Text, it.Codings), Status: cmp.Or(it.Status, "unknown")}})
		}
		return r
	case chart.ReportGoal:
		r := Goal{ResourceType: "Goal", ID: id, LifecycleStatus: x.Status, Description: *concept(x.Title, x.Codings), Subject: subject,
			StartDate: x.Date}
		if x.Text != "" {
			r.Note = []Annotation{{Text: x.Text}}
		}
		return r
	}
	r := DiagnosticReport{ResourceType: "DiagnosticReport", ID: id, Status: x.Status, Code: *concept(x.Title, x.Codings), Subject: &subject,
		Category: categories(x.CategoryCodings), EffectiveDateTime: x.Date, Conclusion: x.Conclusion}
	if x.Author != "" {
		r.Performer = []Reference{{Display: x.Author}}
	}
	if x.Text != "" {
		r.PresentedForm = []Attachment{{ContentType: cmp.Or(x.ContentType, "text/plain; charset=utf-8"), Data: base64.StdEncoding.EncodeToString([]byte(x.Text))}}
	}
	for _, rid := range x.Results {
		r.Result = append(r.Result, Reference{Reference: "urn:uuid:" + resourceID(rid)})
	}
	return r
}
