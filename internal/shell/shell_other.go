//go:build !windows

package shell

// DefaultPrinter says ErrUnsupported off Windows.
func DefaultPrinter() (string, error) { return "", ErrUnsupported }

// Print says ErrUnsupported off Windows.
func Print(string) error { return ErrUnsupported }

// Open says ErrUnsupported off Windows.
func Open(string) error { return ErrUnsupported }
