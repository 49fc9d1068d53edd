package ui

import "testing"

func TestOrdered(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Okafor, Chidi", "Okafor, Chidi"},
		{"Nguyễn Thị Ánh", "Nguyễn Thị Ánh"},
		{"", ""},
		// one right-to-left word stays as it is: Fyne draws it right
		{"تجربة", "تجربة"},
		// family, comma, given: the runs of the stretch, last first
		{"تجربة, ليلى", "ليلى, تجربة"},
		{"בדיקה, נועה", "נועה, בדיקה"},
		// left-to-right text around a stretch keeps its place
		{"تجربة, ليلى · MRN 0042 · 1980-04-02", "ليلى, تجربة · MRN 0042 · 1980-04-02"},
		{"2026-12-07  בדיקה, נועה · Cough", "2026-12-07  נועה, בדיקה · Cough"},
		// a combining mark stays with its letter
		{"مُحَمَّد عَلِي", "عَلِي مُحَمَّد"},
	} {
		if got := ordered(c.in); got != c.want {
			t.Errorf("ordered(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
