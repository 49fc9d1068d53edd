package ui

import (
	"strings"
	"testing"
)

// TestOrdered: what Fyne is given, "|" standing for a left-to-right mark:
// the line in the order it is seen from left to right, each right-to-left
// word in stored order between marks (Fyne shapes it right to left).
func TestOrdered(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Okafor, Chidi", "Okafor, Chidi"},
		{"Nguyễn Thị Ánh", "Nguyễn Thị Ánh"},
		{"", ""},
		{"تجربة", "|تجربة|"},
		// family, comma, given: the family name at the right, the comma
		// at its left, then a space and the given name
		{"تجربة, ليلى", "|ليلى| ,تجربة|"},
		{"בדיקה, נועה", "|נועה| ,בדיקה|"},
		{"تجربة، ليلى", "|ليلى| ،تجربة|"}, // an Arabic comma
		// left-to-right text around a name keeps its place, and so do the
		// spaces and "·" between them
		{"شرما, رحشراء · MRN 00012345", "|رحشراء| ,شرما| · MRN 00012345"},
		{"تجربة, ليلى · MRN 0042 · 1980-04-02", "|ليلى| ,تجربة| · MRN 0042 · 1980-04-02"},
		{"2026-12-07  בדיקה, נועה · Cough", "|2026-12-07  נועה| ,בדיקה| · Cough"},
		// a number after a name stays after it (the name is isolated)
		{"00012346  בדיקה, נועה  1980-04-02 · 45 years", "|00012346  נועה| ,בדיקה|  1980-04-02 · 45 years"},
		{"2026-12-07 · تجربة, ليلى · 3 days", "|2026-12-07 · ليلى| ,تجربة| · 3 days"},
		// a number inside right-to-left text reads left to right, in place
		{"كهف 3 أيام", "|أيام| 3 كهف|"},
		// brackets face the other way in right-to-left text
		{"تجربة (ليلى)", "|(ليلى|) تجربة|"},
		// a combining mark stays with its letter
		{"مُحَمَّد عَلِي", "|عَلِي| مُحَمَّد|"},
		{"Hadad (حداد), Sami", "|Hadad (حداد|), Sami"},
	} {
		if got := strings.ReplaceAll(ordered(c.in), string(lrm), "|"); got != c.want {
			t.Errorf("ordered(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
