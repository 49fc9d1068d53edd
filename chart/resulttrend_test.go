package chart

import (
	"testing"
	"time"
)

// TestResultTests: results group by LOINC code whatever their names, by
// name (any case) without a code; each test's results newest first, named
// as its newest is; numbers are values without a comparator.
func TestResultTests(t *testing.T) {
	d := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	loinc := []Coding{{System: SystemLOINC, Code: "4548-4"}}
	rs := []Result{
		{Name: "HbA1c", Codings: loinc, Value: "7.1", Taken: d},
		{Name: "Hemoglobin A1c", Codings: loinc, Value: "6.8", Taken: d.AddDate(0, 3, 0)},
		{Name: "Ferritin", Value: "40", Taken: d},
		{Name: "ferritin ", Comparator: "<", Value: "5", Taken: d.AddDate(0, 1, 0)},
		{Name: "Urine colour", Text: "straw", Taken: d, Codings: []Coding{{System: "http://example.org", Code: "x"}}},
	}
	ts := ResultTests(rs)
	if len(ts) != 3 {
		t.Fatalf("%d tests: %+v", len(ts), ts)
	}
	if ts[0].Key != "name:ferritin" || len(ts[0].Results) != 2 || ts[0].Numeric() != 1 || ts[0].Name != "ferritin " {
		t.Errorf("ferritin: %+v, %d numeric", ts[0], ts[0].Numeric())
	}
	if ts[1].Key != "loinc:4548-4" || ts[1].Name != "Hemoglobin A1c" || len(ts[1].Results) != 2 || ts[1].Results[0].Value != "6.8" || ts[1].Numeric() != 2 {
		t.Errorf("HbA1c: %+v", ts[1])
	}
	if ts[2].Key != "name:urine colour" || ts[2].Numeric() != 0 {
		t.Errorf("urine colour: %+v", ts[2])
	}
}
