package syncserver

import (
	"fmt"
	"strconv"
	"strings"

	"chartkeeper/syncproto"
)

// Storage quota per practice: each practice may store at most a set
// number of bytes on the server. A backend keeps a running total of each
// practice's stored bytes — sealed revisions, blob chunks and headers
// (committed or not), audit entries — updated in the transaction of every
// write, and refuses a write that would take the total over the quota
// (syncproto.ErrQuotaExceeded). The server answers that with 507 and a
// plain message; the workstation keeps everything locally, shows the
// error, and goes on pulling.

// ParseSize reads a size such as "20GB", "500 MB", "1.5TB" or "512MiB"
// (KB, MB, GB and TB are powers of 1000; KiB, MiB, GiB and TiB of 1024; a
// bare number is bytes). "0" and "unlimited" are 0, no limit.
func ParseSize(s string) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	if t == "unlimited" || t == "none" {
		return 0, nil
	}
	units := []struct {
		suffix string
		mult   float64
	}{{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"tib", 1 << 40},
		{"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9}, {"tb", 1e12}, {"b", 1}}
	mult := 1.0
	for _, u := range units {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || f < 0 || f*mult > 1<<62 {
		return 0, fmt.Errorf("%q is not a size (write it like 20GB or 500MB)", s)
	}
	return int64(f * mult), nil
}

// FormatSize writes n bytes for people: "20 GB", "1.5 TB", "800 MB".
func FormatSize(n int64) string {
	units := []string{"bytes", "KB", "MB", "GB", "TB", "PB"}
	f, i := float64(n), 0
	for f >= 1000 && i < len(units)-1 {
		f /= 1000
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%d bytes", n)
	}
	s := strconv.FormatFloat(f, 'f', 1, 64)
	return strings.TrimSuffix(s, ".0") + " " + units[i]
}

// quotaMessage is the refusal workstations show.
func quotaMessage(quota int64) string {
	if quota <= 0 {
		return syncproto.ErrQuotaExceeded.Error() + "; ask the server's operator to raise the quota"
	}
	return fmt.Sprintf("%s (%s); ask the server's operator to raise the quota", syncproto.ErrQuotaExceeded, FormatSize(quota))
}
