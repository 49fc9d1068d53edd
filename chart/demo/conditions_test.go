package demo

import (
	"testing"

	"chartkeeper/chart/icd10"
)

// TestConditionsAreInTheBuiltInTable: every code the demo charts use is in
// the built-in table, with the same title.
func TestConditionsAreInTheBuiltInTable(t *testing.T) {
	tab, err := icd10.Parse(icd10.PrimaryCare())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range conditions {
		got, ok := tab.Lookup(c.Code)
		if !ok {
			t.Errorf("%s (%s) is not in the built-in table", c.Code, c.Description)
			continue
		}
		if got.Description != c.Description {
			t.Errorf("%s: the demo says %q, the table %q", c.Code, c.Description, got.Description)
		}
	}
}
