package chart

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Coding is a code of a code system as another system sent it: SNOMED CT,
// RxNorm, CVX, LOINC, ICD-10-CM or any other, by its FHIR system URL. The
// chart keeps codings as given so that they travel out again; it shows
// the words (Display, or the record's own text).
type Coding struct {
	System  string `json:"system,omitempty"`
	Code    string `json:"code,omitempty"`
	Display string `json:"display,omitempty"`
}

// checkCodings validates a list of codings: each has a code, none is over
// long.
func checkCodings(pr *problems, field string, cs []Coding) {
	for i := range cs {
		c := &cs[i]
		c.System, c.Code, c.Display = strings.TrimSpace(c.System), strings.TrimSpace(c.Code), strings.TrimSpace(c.Display)
		f := fmt.Sprintf("%s[%d]", field, i+1)
		if c.Code == "" && c.Display == "" {
			pr.add(f, T("has neither a code nor words"))
		}
		pr.maxLen(f+".system", c.System, 500)
		pr.maxLen(f+".code", c.Code, 200)
		pr.maxLen(f+".display", c.Display, 1000)
	}
}

// ProcedureRecord is a procedure the patient had (done elsewhere, or
// recorded outside a Chartkeeper visit): a record of its own on the chart.
// A procedure done at a Chartkeeper visit is a [Procedure] of the visit.
type ProcedureRecord struct {
	Meta
	Date    string   `json:"date"`          // YYYY-MM-DD
	End     string   `json:"end,omitempty"` // YYYY-MM-DD, when it lasted days
	Text    string   `json:"text"`
	Codings []Coding `json:"codings,omitempty"`
	Status  string   `json:"status"` // completed, in-progress, not-done, stopped, on-hold, preparation, unknown
	Reason  string   `json:"reason,omitempty"`
	Note    string   `json:"note,omitempty"`
	// ReasonCodings are the reason's codes as another system sent them.
	ReasonCodings []Coding `json:"reasonCodings,omitempty"`
}

func (*ProcedureRecord) kind() string { return TypeProcedure }
func (p *ProcedureRecord) check(s *Service, pr *problems) {
	pr.controls(p)
	p.Text = strings.TrimSpace(p.Text)
	pr.required(T("text"), p.Text)
	pr.maxLen(T("text"), p.Text, 500)
	pr.maxLen(T("reason"), p.Reason, 500)
	pr.maxLen(T("note"), p.Note, 10_000)
	s.checkDate(pr, T("date"), p.Date, true)
	if p.End != "" {
		s.checkDate(pr, T("end"), p.End, false)
		if p.End < p.Date {
			pr.add(T("end"), T("is before the date"))
		}
	}
	p.Status = oneOf(pr, T("status"), p.Status, "completed", "completed", "in-progress", "not-done", "stopped", "on-hold", "preparation", "unknown")
	checkCodings(pr, T("codings"), p.Codings)
	checkCodings(pr, T("reason codings"), p.ReasonCodings)
}

// Result categories (FHIR's observation categories, and other).
var ResultCategories = []string{"laboratory", "vital-signs", "social-history", "survey", "exam", "imaging", "procedure", "therapy", "activity", "other"}

// Result flags: where a result lies against its reference range.
const (
	FlagNormal       = "N"
	FlagLow          = "L"
	FlagHigh         = "H"
	FlagCriticalLow  = "LL"
	FlagCriticalHigh = "HH"
	FlagAbnormal     = "A"
)

// Result is one observation that is not a vital sign Chartkeeper keeps as
// vitals: a laboratory value, a social-history answer, a survey score, an
// exam finding. Value keeps the number as the sender wrote it (a decimal
// string, so 5.60 stays 5.60 and no float noise creeps in); Text holds a
// value in words, ValueCodings a coded one.
type Result struct {
	Meta
	Taken          time.Time    `json:"taken"`
	Category       string       `json:"category"`
	Name           string       `json:"name"`
	Codings        []Coding     `json:"codings,omitempty"` // LOINC, mostly
	Status         string       `json:"status"`            // final, preliminary, amended, corrected, registered
	Value          string       `json:"value,omitempty"`   // a decimal number as given
	Comparator     string       `json:"comparator,omitempty"`
	Unit           string       `json:"unit,omitempty"`     // as shown
	UnitCode       string       `json:"unitCode,omitempty"` // UCUM, when the sender gave it
	Text           string       `json:"text,omitempty"`
	ValueCodings   []Coding     `json:"valueCodings,omitempty"`
	Low            string       `json:"low,omitempty"` // reference range, decimal strings
	High           string       `json:"high,omitempty"`
	RangeText      string       `json:"rangeText,omitempty"`
	Flag           string       `json:"flag,omitempty"`      // N, L, H, LL, HH, A; empty when unknown
	FlagFromSender bool         `json:"flagGiven,omitempty"` // the flag came with the result
	Parts          []ResultPart `json:"parts,omitempty"`     // a panel's components
	Note           string       `json:"note,omitempty"`
}

// ResultPart is one component of a result (a panel's member measured with
// it, a survey's answer).
type ResultPart struct {
	Name         string   `json:"name"`
	Codings      []Coding `json:"codings,omitempty"`
	Value        string   `json:"value,omitempty"`
	Unit         string   `json:"unit,omitempty"`
	UnitCode     string   `json:"unitCode,omitempty"`
	Text         string   `json:"text,omitempty"`
	ValueCodings []Coding `json:"valueCodings,omitempty"`
}

func (*Result) kind() string { return TypeResult }
func (r *Result) check(s *Service, pr *problems) {
	pr.controls(r)
	r.Name = strings.TrimSpace(r.Name)
	pr.required(T("name"), r.Name)
	pr.maxLen(T("name"), r.Name, 500)
	if r.Taken.IsZero() {
		pr.add(T("taken"), T("is required"))
	} else if r.Taken.After(s.now().Add(5 * time.Minute)) {
		pr.add(T("taken"), T("is in the future"))
	}
	r.Category = oneOf(pr, T("category"), r.Category, "other", ResultCategories...)
	r.Status = oneOf(pr, T("status"), r.Status, "final", "final", "preliminary", "amended", "corrected", "registered")
	checkDecimal(pr, T("value"), r.Value)
	checkDecimal(pr, T("range low"), r.Low)
	checkDecimal(pr, T("range high"), r.High)
	if r.Comparator != "" {
		r.Comparator = oneOf(pr, T("comparator"), r.Comparator, "", "<", "<=", ">=", ">")
	}
	pr.maxLen(T("unit"), r.Unit, 100)
	pr.maxLen(T("text"), r.Text, 100_000)
	pr.maxLen(T("note"), r.Note, 10_000)
	checkCodings(pr, T("codings"), r.Codings)
	checkCodings(pr, T("value codings"), r.ValueCodings)
	for i := range r.Parts {
		p := &r.Parts[i]
		f := fmt.Sprintf("parts[%d]", i+1)
		pr.required(f+".name", p.Name)
		checkDecimal(pr, f+".value", p.Value)
		checkCodings(pr, f+".codings", p.Codings)
		checkCodings(pr, f+".value codings", p.ValueCodings)
	}
	if r.Flag != "" {
		r.Flag = strings.ToUpper(strings.TrimSpace(r.Flag))
		switch r.Flag {
		case FlagNormal, FlagLow, FlagHigh, FlagCriticalLow, FlagCriticalHigh, FlagAbnormal:
		default:
			pr.add(T("flag"), T("must be N, L, H, LL, HH or A"))
		}
	} else if !r.FlagFromSender {
		r.Flag = r.RangeFlag()
	}
}

// checkDecimal checks a number kept as the sender wrote it.
func checkDecimal(pr *problems, field, v string) {
	if v == "" {
		return
	}
	if f, err := strconv.ParseFloat(v, 64); err != nil || math.IsInf(f, 0) || math.IsNaN(f) || len(v) > 40 {
		pr.addf(field, T("%q is not a number"), v)
	}
}

// RangeFlag is the flag the reference range gives the value: L below it,
// H above it, N within; "" without a number or a range.
func (r Result) RangeFlag() string {
	v, err := strconv.ParseFloat(r.Value, 64)
	if err != nil || r.Value == "" {
		return ""
	}
	lo, errLo := strconv.ParseFloat(r.Low, 64)
	hi, errHi := strconv.ParseFloat(r.High, 64)
	switch {
	case r.Low == "" && r.High == "":
		return ""
	case r.Low != "" && errLo == nil && v < lo:
		return FlagLow
	case r.High != "" && errHi == nil && v > hi:
		return FlagHigh
	}
	return FlagNormal
}

// Abnormal reports whether the result is flagged outside its range.
func (r Result) Abnormal() bool { return r.Flag != "" && r.Flag != FlagNormal }

// ValueText is the result as a table shows it: "5.6 mmol/L", "< 0.5 g/L",
// the words, or the parts ("120 / 80 mm[Hg]").
func (r Result) ValueText() string {
	switch {
	case r.Value != "":
		return strings.TrimSpace(r.Comparator + " " + strings.TrimSpace(r.Value+" "+r.Unit))
	case r.Text != "":
		return r.Text
	}
	var parts []string
	for _, p := range r.Parts {
		v := p.Text
		if p.Value != "" {
			v = strings.TrimSpace(p.Value + " " + p.Unit)
		}
		if v != "" {
			parts = append(parts, p.Name+": "+v)
		}
	}
	return strings.Join(parts, "; ")
}

// RangeShown is the reference range in words: "3.5–5.0", "< 200", or the
// range's own text.
func (r Result) RangeShown() string {
	switch {
	case r.Low != "" && r.High != "":
		return r.Low + "–" + r.High
	case r.Low != "":
		return "≥ " + r.Low
	case r.High != "":
		return "≤ " + r.High
	}
	return r.RangeText
}

// Report kinds.
const (
	ReportDiagnostic = "report"    // a diagnostic report (a lab panel, a note, an imaging read)
	ReportCarePlan   = "care-plan" // a care plan
	ReportGoal       = "goal"      // a goal of care
)

// Report is a note or report of the chart: a diagnostic report with its
// text and the results it groups, a care plan with its activities, a goal.
type Report struct {
	Meta
	Kind            string       `json:"kind"`
	Date            string       `json:"date,omitempty"` // YYYY-MM-DD (a goal may have none)
	End             string       `json:"end,omitempty"`  // YYYY-MM-DD
	Title           string       `json:"title"`
	Codings         []Coding     `json:"codings,omitempty"`
	CategoryCodings []Coding     `json:"categoryCodings,omitempty"`
	Status          string       `json:"status"` // as the sender gave it (final, active, completed, …)
	Author          string       `json:"author,omitempty"`
	Conclusion      string       `json:"conclusion,omitempty"`  // a report's conclusion
	Text            string       `json:"text,omitempty"`        // the report's words
	ContentType     string       `json:"contentType,omitempty"` // of Text when it came as an attachment
	Results         []string     `json:"results,omitempty"`     // IDs of the results it groups
	Items           []ReportItem `json:"items,omitempty"`       // a care plan's activities
}

// ReportItem is one activity of a care plan.
type ReportItem struct {
	Text    string   `json:"text"`
	Codings []Coding `json:"codings,omitempty"`
	Status  string   `json:"status,omitempty"`
}

func (*Report) kind() string { return TypeReport }
func (r *Report) check(s *Service, pr *problems) {
	pr.controls(r)
	r.Kind = oneOf(pr, T("kind"), r.Kind, ReportDiagnostic, ReportDiagnostic, ReportCarePlan, ReportGoal)
	r.Title = strings.TrimSpace(r.Title)
	pr.required(T("title"), r.Title)
	pr.maxLen(T("title"), r.Title, 500)
	s.checkDate(pr, T("date"), r.Date, r.Kind != ReportGoal) // goals often come without one
	if r.End != "" {
		if _, err := time.Parse(dateLayout, r.End); err != nil {
			pr.add(T("end"), T("must be a date written YYYY-MM-DD"))
		} else if r.End < r.Date {
			pr.add(T("end"), T("is before the date"))
		}
	}
	r.Status = strings.ToLower(strings.TrimSpace(r.Status))
	pr.required(T("status"), r.Status)
	pr.maxLen(T("status"), r.Status, 50)
	pr.maxLen(T("author"), r.Author, 200)
	pr.maxLen(T("text"), r.Text, 1_000_000)
	pr.maxLen(T("conclusion"), r.Conclusion, 100_000)
	checkCodings(pr, T("codings"), r.Codings)
	checkCodings(pr, T("category codings"), r.CategoryCodings)
	for i := range r.Items {
		f := fmt.Sprintf("items[%d]", i+1)
		pr.required(f+".text", r.Items[i].Text)
		checkCodings(pr, f+".codings", r.Items[i].Codings)
	}
}

// roundTo rounds x to places decimals (the precision of its unit).
func roundTo(x float64, places int) float64 {
	f := math.Pow(10, float64(places))
	return math.Round(x*f) / f
}

// Decimal writes a measurement at the precision of its unit: 74.6, never
// 74.60000000000001.
func Decimal(x float64, places int) string {
	return strconv.FormatFloat(roundTo(x, places), 'f', places, 64)
}
