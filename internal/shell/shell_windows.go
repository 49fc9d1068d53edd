//go:build windows

package shell

import (
	"errors"
	"path/filepath"
	"runtime"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
)

var (
	shell32               = windows.NewLazySystemDLL("shell32.dll")
	procShellExecuteW     = shell32.NewProc("ShellExecuteW")
	winspool              = windows.NewLazySystemDLL("winspool.drv")
	procGetDefaultPrinter = winspool.NewProc("GetDefaultPrinterW")
)

// DefaultPrinter is the name of the user's default printer, or
// ErrNoPrinter.
func DefaultPrinter() (string, error) {
	if err := procGetDefaultPrinter.Find(); err != nil {
		return "", err
	}
	var n uint32
	r, _, err := procGetDefaultPrinter.Call(0, uintptr(unsafe.Pointer(&n)))
	if r == 0 {
		// ERROR_FILE_NOT_FOUND: there is no default printer.
		if errors.Is(err, windows.ERROR_FILE_NOT_FOUND) || n == 0 {
			return "", ErrNoPrinter
		}
		if !errors.Is(err, windows.ERROR_INSUFFICIENT_BUFFER) {
			return "", err
		}
	}
	buf := make([]uint16, n)
	r, _, err = procGetDefaultPrinter.Call(uintptr(unsafe.Pointer(&buf[0])), uintptr(unsafe.Pointer(&n)))
	if r == 0 {
		if errors.Is(err, windows.ERROR_FILE_NOT_FOUND) {
			return "", ErrNoPrinter
		}
		return "", err
	}
	return windows.UTF16ToString(buf), nil
}

// Print sends the file at path to the default printer through the program
// registered for its type (the shell's "print" verb). The program prints
// in the background; the file must stay until it has.
func Print(path string) error {
	return execute("print", path, windows.SW_HIDE)
}

// Open opens the file at path in the program registered for its type.
func Open(path string) error {
	return execute("open", path, windows.SW_SHOWNORMAL)
}

func execute(verb, path string, show int32) error {
	if err := procShellExecuteW.Find(); err != nil {
		return err
	}
	v, err := windows.UTF16PtrFromString(verb)
	if err != nil {
		return err
	}
	f, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return err
	}
	dir, err := windows.UTF16PtrFromString(filepath.Dir(path))
	if err != nil {
		return err
	}
	// The handler may be a shell extension reached through COM, which
	// must be initialised on the calling thread first.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := windows.CoInitializeEx(0, windows.COINIT_APARTMENTTHREADED|windows.COINIT_DISABLE_OLE1DDE); err == nil || err == syscall.Errno(1) { // S_OK, S_FALSE
		defer windows.CoUninitialize()
	}
	r, _, _ := procShellExecuteW.Call(0, uintptr(unsafe.Pointer(v)), uintptr(unsafe.Pointer(f)), 0,
		uintptr(unsafe.Pointer(dir)), uintptr(show))
	return shellError(verb, r)
}
