package ui

import (
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"chartkeeper/internal/shell"
)

// msgNoPDFProgram is said when Windows has no program registered to print
// PDF files.
func msgNoPDFProgram() string {
	return lang.L("No program on this computer can print PDF files; save a copy and print it from another.")
}

// msgPrivateNoFile is said when a printout that is never written to a
// temporary file (the emergency kit) would need one to be printed.
func msgPrivateNoFile() string {
	return lang.L("This sheet is never written to a temporary file, and printing here needs one: save a copy, print it, then delete the copy.")
}

// filePrinter is a print service that prints a file, not bytes: the
// caller writes the document to the workstation's private temporary
// folder first (removed at lock or sign-out) and keeps it there, since
// the program printing it reads it in the background.
type filePrinter interface {
	printer
	PrintFile(title, path string) error
}

// shellPrinter prints through the Windows shell: the default printer is
// asked of the spooler, and the file is handed to the program registered
// for PDF files with the "print" verb.
type shellPrinter struct{}

func (shellPrinter) Ready() (bool, string) {
	if _, err := shell.DefaultPrinter(); err != nil {
		if !errors.Is(err, shell.ErrNoPrinter) {
			fyne.LogError("asking Windows for the default printer", err)
		}
		return false, msgNoPrinter()
	}
	return true, ""
}

// Print is not used: the shell prints files (see PrintFile).
func (shellPrinter) Print(string, []byte) error { return errNeedsFile }

func (shellPrinter) PrintFile(_, path string) error { return shell.Print(path) }

// errNeedsFile says that the print service prints files only.
var errNeedsFile = errors.New("the print service prints files only") // i18n:skip

// shellOpen opens a file in the program Windows has for its type.
func shellOpen(path string) error { return shell.Open(path) }

// printJob readies data for the print service and gives the work to run
// off the UI goroutine. A service that prints files (Windows) gets a copy
// in the workstation's private temporary folder, written here on the UI
// goroutine; a private printout (never written to disk) cannot go to it.
func (ws *workstation) printJob(p printer, title, name string, data []byte, private bool) (func() error, error) {
	fp, ok := p.(filePrinter)
	if !ok {
		return func() error { return p.Print(title, data) }, nil
	}
	if private {
		return nil, errNeedsFile
	}
	path, err := ws.privateFile(name, data)
	if err != nil {
		return nil, err
	}
	return func() error { return fp.PrintFile(title, path) }, nil
}
