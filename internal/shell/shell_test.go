package shell

import (
	"errors"
	"runtime"
	"testing"
)

// TestShellError: ShellExecute's codes become errors the workstation can
// tell apart (no program for .pdf is said plainly there).
func TestShellError(t *testing.T) {
	if err := shellError("print", 42); err != nil {
		t.Errorf("code 42 (success): %v", err)
	}
	if err := shellError("print", seErrNoAssoc); !errors.Is(err, ErrNoAssociation) {
		t.Errorf("SE_ERR_NOASSOC: %v", err)
	}
	var e *Error
	if err := shellError("open", seErrFNF); !errors.As(err, &e) || e.Code != seErrFNF || e.Verb != "open" {
		t.Errorf("file not found: %v", err)
	}
}

// TestElsewhere: off Windows nothing is handed to a shell.
func TestElsewhere(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("on Windows")
	}
	if _, err := DefaultPrinter(); !errors.Is(err, ErrUnsupported) {
		t.Errorf("DefaultPrinter: %v", err)
	}
	if err := Print("x.pdf"); !errors.Is(err, ErrUnsupported) {
		t.Errorf("Print: %v", err)
	}
	if err := Open("x.pdf"); !errors.Is(err, ErrUnsupported) {
		t.Errorf("Open: %v", err)
	}
}
