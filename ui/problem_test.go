package ui

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"

	"chartkeeper/store"
)

func TestExplain(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("/srv/ck: %w", store.ErrInUse), "Another Chartkeeper program"},
		{fmt.Errorf("/srv/ck: %w", store.ErrSchemaTooNew), "Update Chartkeeper"},
		{&fs.PathError{Op: "open", Path: "/srv/ck/x", Err: fs.ErrPermission}, "may not read or write /srv/ck"},
		{errors.New("disk on fire"), "Disk on fire"},
	} {
		if got := explain("/srv/ck", tc.err); !strings.Contains(got, tc.want) {
			t.Errorf("explain(%v) = %q, want it to contain %q", tc.err, got, tc.want)
		}
	}
}
