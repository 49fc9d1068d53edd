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

func TestPartialOnset(t *testing.T) {
	s := &Service{now: func() time.Time { return time.Date(2026, 5, 15, 12, 0, 0, 0, time.UTC) }}
	for onset, want := range map[string]string{
		"": "", "2024": "", "2024-03": "", "2024-03-07": "", "2026-05": "", "2026": "",
		"2026-06":    "is in the future",
		"2027":       "is in the future",
		"2024-13":    "must be a date written YYYY-MM-DD, YYYY-MM or YYYY, like 1984-03-07, 1984-03 or 1984",
		"2024-3":     "must be a date written YYYY-MM-DD, YYYY-MM or YYYY, like 1984-03-07, 1984-03 or 1984",
		"2024-02-30": "must be a date written YYYY-MM-DD, YYYY-MM or YYYY, like 1984-03-07, 1984-03 or 1984",
		"1870":       "is before 1880",
	} {
		var pr problems
		s.checkPartialDate(&pr, "onset", onset)
		got := ""
		if len(pr.list) > 0 {
			got = pr.list[0].Message
		}
		if got != want {
			t.Errorf("onset %q: %q, want %q", onset, got, want)
		}
	}
}
