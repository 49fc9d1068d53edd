package chart

import (
	"slices"
	"strconv"
	"strings"
)

// SystemLOINC is the coding system of LOINC codes, as FHIR names it.
const SystemLOINC = "http://loinc.org"

// LOINC is the result's LOINC code, "" when it has none.
func (r Result) LOINC() string {
	for _, c := range r.Codings {
		if c.System == SystemLOINC && c.Code != "" {
			return c.Code
		}
	}
	return ""
}

// TestKey says which test a result is of, so that its values can be
// followed over time: "loinc:" and its LOINC code, or else "name:" and its
// name in lower case.
func (r Result) TestKey() string {
	if c := r.LOINC(); c != "" {
		return "loinc:" + c
	}
	return "name:" + strings.ToLower(strings.TrimSpace(r.Name))
}

// Number is the result's value as a number; false when it has none (a
// value in words, a panel) or only a bound ("< 0.5").
func (r Result) Number() (float64, bool) {
	if r.Value == "" || r.Comparator != "" {
		return 0, false
	}
	v, err := strconv.ParseFloat(r.Value, 64)
	return v, err == nil
}

// ResultTest is one test of a chart's results: its name (as its newest
// result has it), key (Result.TestKey) and results, newest first.
type ResultTest struct {
	Key     string
	Name    string
	Results []Result
}

// Numeric counts the test's results that have a number.
func (t ResultTest) Numeric() int {
	n := 0
	for _, r := range t.Results {
		if _, ok := r.Number(); ok {
			n++
		}
	}
	return n
}

// ResultTests groups results by test (by LOINC code, else by name), the
// tests in alphabetical order of their names, each one's results newest
// first.
func ResultTests(rs []Result) []ResultTest {
	byKey := map[string]int{}
	var out []ResultTest
	for _, r := range rs {
		k := r.TestKey()
		i, ok := byKey[k]
		if !ok {
			i = len(out)
			byKey[k] = i
			out = append(out, ResultTest{Key: k})
		}
		out[i].Results = append(out[i].Results, r)
	}
	for i := range out {
		slices.SortStableFunc(out[i].Results, func(a, b Result) int { return b.Taken.Compare(a.Taken) })
		out[i].Name = out[i].Results[0].Name
	}
	slices.SortStableFunc(out, func(a, b ResultTest) int {
		return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
	})
	return out
}
