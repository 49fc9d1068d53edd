package chart

import (
	"testing"
	"time"
)

func TestAgeText(t *testing.T) {
	on := time.Date(2026, 5, 15, 9, 30, 0, 0, time.UTC)
	for dob, want := range map[string]string{
		"2026-05-15": "0 days",
		"2026-05-14": "1 day",
		"2026-05-02": "13 days",
		"2026-05-01": "2 weeks",
		"2026-03-27": "7 weeks",
		"2026-02-15": "3 months",
		"2025-12-10": "5 months",
		"2025-05-16": "11 months",
		"2025-05-15": "1 year",
		"2025-02-14": "1 year 3 months",
		"2024-05-16": "1 year 11 months",
		"2024-05-15": "2 years",
		"1975-03-02": "51 years",
		"2026-06-01": "",
		"not a date": "",
	} {
		if got := AgeText(dob, on); got != want {
			t.Errorf("AgeText(%s) = %q, want %q", dob, got, want)
		}
	}
}
