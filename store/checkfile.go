package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// maxStructureProblems caps the list; a badly damaged file yields thousands.
const maxStructureProblems = 20

// CheckFile reads the store file in dir read-only, without any key, and
// reports damage to its page structure: a file cut short, pages that cannot
// be read, a broken tree. It reads every page on the calling goroutine,
// where a fault is a panic it recovers from, before it runs bbolt's own
// check, which runs on a goroutine of its own where a fault would end the
// program with a stack trace.
func CheckFile(dir string) (problems []string, err error) {
	problems, err = checkStoreFile(filepath.Join(dir, dbFileName))
	if errors.Is(err, ErrInUse) {
		err = fmt.Errorf("%s: %w", dir, ErrInUse)
	}
	return problems, err
}

// checkStoreFile is [CheckFile] for the store file at path.
func checkStoreFile(path string) (problems []string, err error) {
	defer func() {
		if r := recover(); r != nil {
			problems = append(problems, fmt.Sprintf("the store file could not be read to the end (%v)", r))
			err = nil
		}
	}()
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.Size() == 0 {
		return []string{"the store file is empty"}, nil
	}
	// The free list is loaded here, on this goroutine, rather than by
	// bbolt's check on its own.
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, PreLoadFreelist: true, Timeout: 2 * time.Second})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, ErrInUse
	}
	if err != nil {
		return []string{fmt.Sprintf("the store file cannot be opened (%v)", err)}, nil
	}
	defer db.Close()
	err = db.View(func(tx *bolt.Tx) error {
		if want := tx.Size(); fi.Size() < want {
			problems = append(problems, fmt.Sprintf("the store file was cut short: it has %d bytes, its own header says %d", fi.Size(), want))
			return nil
		}
		runtime.KeepAlive(touchEveryPage(tx))
		n := 0
		for e := range tx.Check() {
			if n++; n <= maxStructureProblems {
				problems = append(problems, "store file structure: "+e.Error())
			}
		}
		if n > maxStructureProblems {
			problems = append(problems, fmt.Sprintf("... and %d more structure problems", n-maxStructureProblems))
		}
		return nil
	})
	return problems, err
}

// touchEveryPage reads every key and value of every bucket. It returns a
// checksum of no meaning, so the reads are not optimised away.
func touchEveryPage(tx *bolt.Tx) byte {
	var sum byte
	var walk func(b *bolt.Bucket)
	walk = func(b *bolt.Bucket) {
		c := b.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if v == nil {
				if child := b.Bucket(k); child != nil {
					walk(child)
				}
				continue
			}
			for _, x := range k {
				sum ^= x
			}
			for _, x := range v {
				sum ^= x
			}
		}
	}
	_ = tx.ForEach(func(_ []byte, b *bolt.Bucket) error {
		walk(b)
		return nil
	})
	return sum
}
