// Package archtest holds the test of Chartkeeper's import rules, written
// out in docs/ARCHITECTURE.md: which package may import which, Fyne only in
// the workstation's GUI packages, sealing cryptography only in the store,
// test helpers only in tests.
//
// The test runs `go list` from the module root, reads the imports of every
// Go file of every package (files a build constraint leaves out included,
// so a Windows-only or cgo file is held to the same rules) and names each
// file whose import breaks a rule. It needs the go command on PATH: without
// it the test is skipped, except when CI is set, where it fails.
//
// The package has no code of its own; everything is in its test.
package archtest
