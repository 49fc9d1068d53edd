package fhir

import (
	"cmp"
	"math"
	"strconv"
	"strings"
	"time"

	"chartkeeper/chart"
)

// observation maps a vital sign. Observations taken at the same moment
// for the same patient are one set of vital signs.
func (p *parser) observation(i int) {
	var r Observation
	if !p.decode(i, &r) {
		return
	}
	code := ""
	for _, cd := range r.Code.Coding {
		if cd.System == systemLOINC {
			if _, ok := vitalNames[cd.Code]; ok {
				code = cd.Code
				break
			}
		}
	}
	if code == "" {
		if len(r.Code.Coding) == 0 && r.Code.Text == "" {
			p.problem(i, "code is required")
			return
		}
		p.skip(i, "only vital signs are kept as measurements (this is not a vital sign Chartkeeper knows by its LOINC code)")
		return
	}
	if !p.status(i, r.Status, statusRule{
		keep:  []string{"final", "amended", "corrected", "preliminary", "registered"},
		skip:  []string{"cancelled", "entered-in-error", "unknown"},
		other: "status is not an Observation status",
	}) {
		return
	}
	c, ok := p.patientOf(i, "subject", &r.Subject)
	if !ok {
		return
	}
	switch code {
	case loincVitalsPanel:
		p.skip(i, "a vital signs panel only groups the measurements, which are imported one by one")
		return
	case loincBMI:
		p.skip(i, "the body mass index is worked out from weight and height")
		return
	case loincResp, loincHeadCirc:
		p.skip(i, "Chartkeeper's vital signs do not keep the %s", vitalNames[code])
		return
	}
	if r.EffectiveDateTime == "" {
		p.problem(i, "effectiveDateTime is required for a vital sign (when it was taken)")
		return
	}
	taken, ok := parseInstant(r.EffectiveDateTime)
	if !ok {
		p.problem(i, "effectiveDateTime is not a FHIR dateTime")
		return
	}
	key := strconv.Itoa(c) + "/" + taken.Format(time.RFC3339Nano)
	v := p.vitals[key]
	if v == nil {
		v = &chart.Vitals{Taken: taken}
		p.vitals[key] = v
		p.vitalsKeys = append(p.vitalsKeys, vitalsKey{c, key})
	}
	set := func(code string, q *Quantity) bool {
		if q == nil || q.Value == nil {
			p.skip(i, "the %s has no value", vitalNames[code])
			return true
		}
		x, err := q.Value.Float64()
		if err != nil || math.IsInf(x, 0) || math.IsNaN(x) {
			p.problem(i, "the %s value is not a number", vitalNames[code])
			return false
		}
		native := x
		x, ok := toUnit(code, x, cmp.Or(q.Code, q.Unit))
		converted := x != native
		if !ok {
			p.problem(i, "the %s is in a unit Chartkeeper cannot read", vitalNames[code])
			return false
		}
		switch code {
		case loincSystolic:
			v.Systolic = int(math.Round(x))
		case loincDiastolic:
			v.Diastolic = int(math.Round(x))
		case loincPulse:
			v.Pulse = int(math.Round(x))
		case loincTemp, loincTempOral:
			v.TempC = roundIf(converted, x, 1)
		case loincWeight:
			v.WeightKg = roundIf(converted, x, 2)
		case loincHeight:
			v.HeightCm = roundIf(converted, x, 1)
		case loincSpO2, loincSpO2Art:
			v.SpO2 = int(math.Round(x))
		}
		return true
	}
	if code == loincBPPanel {
		for _, comp := range r.Component {
			for _, cd := range comp.Code.Coding {
				if cd.System == systemLOINC && (cd.Code == loincSystolic || cd.Code == loincDiastolic) {
					set(cd.Code, comp.ValueQuantity)
				}
			}
		}
		return
	}
	set(code, r.ValueQuantity)
}

// roundIf rounds a value converted from another unit to the places
// Chartkeeper shows; a value in Chartkeeper's unit stays as written.
func roundIf(converted bool, x float64, places int) float64 {
	if !converted {
		return x
	}
	f := math.Pow(10, float64(places))
	return math.Round(x*f) / f
}

// toUnit converts a vital sign to the unit Chartkeeper keeps it in.
func toUnit(code string, x float64, unit string) (float64, bool) {
	u := strings.TrimSpace(unit)
	switch code {
	case loincSystolic, loincDiastolic:
		return x, u == "mm[Hg]" || u == "mmHg" || u == ""
	case loincPulse:
		return x, u == "/min" || u == "{beats}/min" || u == "beats/min" || u == "bpm" || u == ""
	case loincTemp, loincTempOral:
		switch u {
		case "Cel", "°C", "C", "":
			return x, true
		case "[degF]", "°F", "F":
			return (x - 32) * 5 / 9, true
		}
	case loincWeight:
		switch u {
		case "kg", "":
			return x, true
		case "g":
			return x / 1000, true
		case "[lb_av]", "lb", "lbs":
			return x * 0.45359237, true
		}
	case loincHeight:
		switch u {
		case "cm", "":
			return x, true
		case "m":
			return x * 100, true
		case "[in_i]", "in":
			return x * 2.54, true
		}
	case loincSpO2, loincSpO2Art:
		return x, u == "%" || u == ""
	}
	return 0, false
}
