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

// What counts against the quota. Every item a practice stores is charged
// its own bytes (IDs, parent lists, names, token hashes, sealed bytes)
// plus ItemOverhead for what the backend keeps beside it (keys, index
// entries, sequence numbers, times), so no kind of request can grow the
// storage without bound once the practice is full: revisions with long
// parent lists, enrollments, devices, blob announcements and audit
// entries all count. Both backends charge by these functions.

// ItemOverhead is the fixed charge of every stored item.
const ItemOverhead = 64

// DefaultQuota is each practice's storage limit when the operator sets
// none (chartkeeperd --quota; "unlimited" lifts it).
const DefaultQuota int64 = 20e9

// RevSize is the charge of a stored revision.
func RevSize(r syncproto.Rev) int64 {
	n := len(r.RecordID) + len(r.Rev) + len(r.Sealed) + ItemOverhead
	for _, p := range r.Parents {
		n += len(p) + 1
	}
	return int64(n)
}

// DeviceSize is the charge of a device record.
func DeviceSize(d Device) int64 {
	return int64(len(d.ID) + len(d.Name) + len(d.TokenHash) + len(d.PublicKey) + ItemOverhead)
}

// RegistrationSize is the charge of a new practice with its first device.
func RegistrationSize(first Device) int64 { return ItemOverhead + DeviceSize(first) }

// EnrollmentSize is the charge of an enrollment as stored (its sealed
// bytes are given back when they are forgotten).
func EnrollmentSize(e Enrollment) int64 {
	return int64(len(e.TokenHash) + len(e.Sealed) + len(e.Issuer) + len(e.UsedBy) + ItemOverhead)
}

// BlobBeginSize is the charge of a blob announcement (its size, chunk
// count, device and times); chunks and the header count their bytes.
const BlobBeginSize = ItemOverhead

// AuditEntrySize is the charge of a stored audit entry.
func AuditEntrySize(stored []byte) int64 { return int64(len(stored)) + 8 }
