package fhir

import (
	"cmp"
	"math"
	"strconv"
	"strings"
	"time"

	"chartkeeper/chart"
)

// observation maps an Observation: a vital sign Chartkeeper keeps as
// vitals (observations of one patient at one moment make one set), or
// else a result of the chart (laboratory, social history, survey, exam,
// and vital signs the vitals do not hold).
func (p *parser) observation(i int) {
	var r Observation
	if !p.decode(i, &r) {
		return
	}
	if len(r.Code.Coding) == 0 && r.Code.Text == "" {
		p.problem(i, "code is required")
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
	code := ""
	for _, cd := range r.Code.Coding {
		if cd.System == systemLOINC {
			if _, ok := vitalNames[cd.Code]; ok {
				code = cd.Code
				break
			}
		}
	}
	if code == loincVitalsPanel && len(r.HasMember) > 0 && r.ValueQuantity == nil && len(r.Component) == 0 {
		p.skip(i, "a vital signs panel only groups the measurements, which are imported one by one")
		return
	}
	if code != "" && code != loincVitalsPanel && p.vital(i, c, code, r) {
		return
	}
	p.result(i, c, r)
}

// vital puts a vital sign into the set of its moment, and reports whether
// it was handled (put there, or reported as a problem: a unit that cannot
// be read). When it does not fit the vitals (no value, no time, the set
// already holds another value of it, half a blood pressure, a comparator)
// the observation becomes a result instead.
func (p *parser) vital(i, c int, code string, r Observation) bool {
	when := cmp.Or(r.EffectiveDateTime, r.EffectiveInstant)
	if when == "" && r.EffectivePeriod != nil {
		when = r.EffectivePeriod.Start
	}
	taken, ok := parseInstant(when)
	if !ok {
		return false
	}
	type reading struct {
		code string
		q    *Quantity
	}
	var rs []reading
	if code == loincBPPanel || code == loincBPPanel2 {
		for _, comp := range r.Component {
			for _, cd := range comp.Code.Coding {
				if cd.System == systemLOINC && (cd.Code == loincSystolic || cd.Code == loincDiastolic) {
					rs = append(rs, reading{cd.Code, comp.ValueQuantity})
				}
			}
		}
		if len(rs) != 2 || rs[0].code == rs[1].code || len(r.Component) != 2 {
			return false
		}
	} else {
		if len(r.Component) > 0 {
			return false
		}
		rs = append(rs, reading{code, r.ValueQuantity})
	}
	values := make([]float64, len(rs))
	for k, rd := range rs {
		if rd.q == nil || rd.q.Value == nil || rd.q.Comparator != "" {
			return false
		}
		x, err := rd.q.Value.Float64()
		if err != nil || math.IsInf(x, 0) || math.IsNaN(x) {
			p.problem(i, "the %s value is not a number", vitalNames[rd.code])
			return true
		}
		if values[k], ok = toUnit(rd.code, x, cmp.Or(rd.q.Code, rd.q.Unit)); !ok {
			p.problem(i, "the %s is in a unit Chartkeeper cannot read", vitalNames[rd.code])
			return true
		}
	}
	key := strconv.Itoa(c) + "/" + taken.Format(time.RFC3339Nano)
	v := p.vitals[key]
	if v == nil {
		v = &chart.Vitals{Taken: taken}
	}
	next := *v
	for k, rd := range rs {
		if !setVital(&next, rd.code, values[k]) {
			return false
		}
	}
	// a value out of the vitals' range stays as the sender gave it, as a result
	next.Round() // a value out of range is refused by the chart's own check
	if p.vitals[key] == nil {
		p.vitals[key] = v
		p.vitalsKeys = append(p.vitalsKeys, vitalsKey{c, key})
	}
	*v = next
	return true
}

// setVital sets one measurement of a set, unless the set holds it already.
func setVital(v *chart.Vitals, code string, x float64) bool {
	put := func(f *float64) bool {
		if *f != 0 {
			return false
		}
		*f = x
		return true
	}
	puti := func(f *int) bool {
		if *f != 0 {
			return false
		}
		*f = int(math.Round(x))
		return true
	}
	switch code {
	case loincSystolic:
		return puti(&v.Systolic)
	case loincDiastolic:
		return puti(&v.Diastolic)
	case loincPulse:
		return puti(&v.Pulse)
	case loincResp:
		return puti(&v.RespRate)
	case loincTemp, loincTempOral, loincTempAxill, loincTempRectal, loincTempTympanic:
		return put(&v.TempC)
	case loincWeight, loincWeightMeas:
		return put(&v.WeightKg)
	case loincHeight, loincHeightLying, loincHeightStand:
		return put(&v.HeightCm)
	case loincHeadCirc, loincHeadCircTape:
		return put(&v.HeadCm)
	case loincBMI:
		return put(&v.BMIGiven)
	case loincSpO2, loincSpO2Art:
		return puti(&v.SpO2)
	}
	return false
}

// toUnit converts a vital sign to the unit Chartkeeper keeps it in.
func toUnit(code string, x float64, unit string) (float64, bool) {
	u := strings.TrimSpace(unit)
	switch code {
	case loincSystolic, loincDiastolic:
		return x, u == "mm[Hg]" || u == "mmHg" || u == ""
	case loincPulse, loincResp:
		return x, u == "/min" || u == "{beats}/min" || u == "beats/min" || u == "bpm" || u == "{breaths}/min" || u == "breaths/min" || u == ""
	case loincBMI:
		return x, u == "kg/m2" || u == "kg/m²" || u == ""
	case loincTemp, loincTempOral, loincTempAxill, loincTempRectal, loincTempTympanic:
		switch u {
		case "Cel", "°C", "C", "":
			return x, true
		case "[degF]", "°F", "F":
			return (x - 32) * 5 / 9, true
		}
	case loincWeight, loincWeightMeas:
		switch u {
		case "kg", "":
			return x, true
		case "g":
			return x / 1000, true
		case "[lb_av]", "lb", "lbs":
			return x * 0.45359237, true
		}
	case loincHeight, loincHeightLying, loincHeightStand, loincHeadCirc, loincHeadCircTape:
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
