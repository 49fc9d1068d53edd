//go:build windows

package store

import (
	"fmt"

	"golang.org/x/sys/windows"
)

// restrictToUser replaces dir's access list with one that grants full
// control to the signed-in user and to SYSTEM only, and stops it
// inheriting its parent's (the "P" flag): other users of the computer,
// Administrators' group membership included, are not granted access.
func restrictToUser(dir string) error {
	u, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return fmt.Errorf("reading the signed-in Windows user: %w", err)
	}
	sd, err := windows.SecurityDescriptorFromString(fmt.Sprintf("D:P(A;OICI;FA;;;%s)(A;OICI;FA;;;SY)", u.User.Sid.String()))
	if err != nil {
		return err
	}
	dacl, _, err := sd.DACL()
	if err != nil {
		return err
	}
	return windows.SetNamedSecurityInfo(dir, windows.SE_FILE_OBJECT,
		windows.DACL_SECURITY_INFORMATION|windows.PROTECTED_DACL_SECURITY_INFORMATION, nil, nil, dacl, nil)
}
