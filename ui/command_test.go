package ui

import "testing"

func TestShellQuote(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/home/ana/.local/share/chartkeeper", "/home/ana/.local/share/chartkeeper"},
		{"C:/Clinic/data", "C:/Clinic/data"},
		{"/srv/clinic data", "'/srv/clinic data'"},
		{"/srv/o'brien", `'/srv/o'\''brien'`},
		{"/srv/$HOME", "'/srv/$HOME'"},
		{"", "''"},
	} {
		if got := shellQuote(tc.in); got != tc.want {
			t.Errorf("shellQuote(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
