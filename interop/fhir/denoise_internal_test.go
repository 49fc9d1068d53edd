package fhir

import "testing"

func TestDenoise(t *testing.T) {
	for in, want := range map[string]string{
		"74.60000000000001": "74.6", "37.300000000000004": "37.3", "5.60": "5.60", "96.41064492451652": "96.4106449245",
		"0.000012345678901234": "0.0000123456789012", "120": "120", "1e-7": "1e-7", "-1.0000000000000002": "-1",
	} {
		if got := denoise(in); got != want {
			t.Errorf("denoise(%s) = %s, want %s", in, got, want)
		}
	}
}
