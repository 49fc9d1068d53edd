package main

import (
	"os"
	"runtime/debug"
)

func main() {
	// A damaged store file can make the memory-mapped reads fault; turn
	// that into a panic that run recovers from and reports as damage.
	debug.SetPanicOnFault(true)
	os.Exit(run(newEnv(), os.Args[1:]))
}
