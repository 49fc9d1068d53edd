package main

import (
	"log"
	"os"
	"path/filepath"
	"runtime/debug"

	"chartkeeper/internal/plain"
)

func main() {
	// A damaged store file can make the memory-mapped reads fault; turn
	// that into a panic that run recovers from and reports as damage.
	debug.SetPanicOnFault(true)
	logToFile()
	os.Exit(run(newEnv(), os.Args[1:]))
}

// logToFile sends the raw text of errors that plain cannot explain to
// ckadmin.log in the user's cache folder, so the terminal shows only
// sentences; the sentence names the file.
func logToFile() {
	dir, err := os.UserCacheDir()
	if err != nil {
		return
	}
	dir = filepath.Join(dir, "chartkeeper")
	if os.MkdirAll(dir, 0o700) != nil {
		return
	}
	path := filepath.Join(dir, "ckadmin.log")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return
	}
	l := log.New(f, "", log.LstdFlags)
	plain.Logf, plain.LogName = l.Printf, path
}
