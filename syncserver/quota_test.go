package syncserver

import "testing"

func TestParseAndFormatSize(t *testing.T) {
	for in, want := range map[string]int64{"20GB": 20e9, "20 gb": 20e9, "1.5TB": 1.5e12, "512MiB": 512 << 20, "1000": 1000, "0": 0, "unlimited": 0} {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "GB", "-1GB", "twenty", "20XB"} {
		if _, err := ParseSize(bad); err == nil {
			t.Errorf("ParseSize(%q) accepted", bad)
		}
	}
	for n, want := range map[int64]string{20e9: "20 GB", 1.5e12: "1.5 TB", 999: "999 bytes", 800e6: "800 MB"} {
		if got := FormatSize(n); got != want {
			t.Errorf("FormatSize(%d) = %q, want %q", n, got, want)
		}
	}
	if m := quotaMessage(20e9); m != "the practice's storage on the sync server is full (20 GB); ask the server's operator to raise the quota" {
		t.Errorf("message: %q", m)
	}
}
