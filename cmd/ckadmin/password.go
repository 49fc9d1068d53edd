package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/signal"

	"golang.org/x/term"

	"chartkeeper/internal/plain"
	"chartkeeper/store"
)

// Environment variables that scripts use instead of flags or prompts.
const (
	envUser        = "CHARTKEEPER_USER"
	envPassword    = "CHARTKEEPER_PASSWORD"
	envNewPassword = "CHARTKEEPER_NEW_PASSWORD"
	envRecoveryKey = "CHARTKEEPER_RECOVERY_KEY"
)

// secretSource says where one secret comes from: the file named by a flag,
// else an environment variable, else the terminal without echo.
type secretSource struct {
	what   string // "the password for maria", for messages
	file   string // the flag's value, "" when not given
	flag   string // the flag's name, "--password-file"
	env    string // the environment variable
	prompt string // what the terminal shows before reading
	isNew  bool   // a new password: checked and typed twice at the terminal
}

func passwordSource(user, file string) secretSource {
	return secretSource{what: "password for " + user, file: file, flag: "--password-file",
		env: envPassword, prompt: "Password for " + user + ": "}
}

func newPasswordSource(user, file, flag, env string) secretSource {
	return secretSource{what: "new password for " + user, file: file, flag: flag,
		env: env, prompt: "New password for " + user + ": ", isNew: true}
}

func recoveryKeySource(file string) secretSource {
	return secretSource{what: "recovery key", file: file, flag: "--recovery-key-file",
		env: envRecoveryKey, prompt: "Recovery key: "}
}

// given reports whether the secret comes from a file or the environment,
// so that reading it will not ask at the terminal.
func (src secretSource) given() bool { return src.file != "" || os.Getenv(src.env) != "" }

// readSecret reads a secret from its source. A file's content loses one
// trailing newline; the terminal is used only when stdin is one.
func (e *env) readSecret(src secretSource) ([]byte, error) {
	switch {
	case src.file != "":
		b, err := os.ReadFile(src.file)
		if err != nil {
			return nil, fmt.Errorf("cannot read the %s from %s: %v", src.what, src.file, pathErr(err))
		}
		b = trimNewline(b)
		if len(b) == 0 {
			return nil, fmt.Errorf("the file %s given for the %s is empty", src.file, src.what)
		}
		return b, nil
	case os.Getenv(src.env) != "":
		return []byte(os.Getenv(src.env)), nil
	case term.IsTerminal(int(e.stdin.Fd())):
		return e.promptSecret(src)
	}
	return nil, usagef("no %s given, and there is no terminal to ask on: use %s FILE or set %s", src.what, src.flag, src.env)
}

// pathErr drops the operation and path from a file error, for a message
// that names the file in its own words.
func pathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func trimNewline(b []byte) []byte {
	b, _ = bytes.CutSuffix(b, []byte("\n"))
	b, _ = bytes.CutSuffix(b, []byte("\r"))
	return b
}

// promptSecret asks at the terminal. A new password is checked and typed
// twice, with three attempts.
func (e *env) promptSecret(src secretSource) ([]byte, error) {
	if !src.isNew {
		return e.askNoEcho(src.prompt)
	}
	for range 3 {
		p, err := e.askNoEcho(src.prompt)
		if err != nil {
			return nil, err
		}
		if err := store.CheckPassword(p); err != nil {
			fmt.Fprintln(e.stderr, plain.Sentence(plain.Admin, err))
			continue
		}
		again, err := e.askNoEcho("Type it again: ")
		if err != nil {
			return nil, err
		}
		same := bytes.Equal(p, again)
		clear(again)
		if same {
			return p, nil
		}
		clear(p)
		fmt.Fprintln(e.stderr, "The two entries differ; try again.")
	}
	return nil, fmt.Errorf("no %s was set", src.what)
}

// askNoEcho shows prompt on stderr and reads a line from the terminal
// without echo. Interrupting it restores the terminal before exiting.
func (e *env) askNoEcho(prompt string) ([]byte, error) {
	fd := int(e.stdin.Fd())
	state, err := term.GetState(fd)
	if err != nil {
		return nil, fmt.Errorf("cannot use the terminal: %v", err)
	}
	interrupted := make(chan os.Signal, 1)
	signal.Notify(interrupted, os.Interrupt)
	done := make(chan struct{})
	defer func() {
		signal.Stop(interrupted)
		close(done)
	}()
	go func() {
		select {
		case <-interrupted:
			term.Restore(fd, state)
			fmt.Fprintln(e.stderr)
			os.Exit(130)
		case <-done:
		}
	}()
	fmt.Fprint(e.stderr, prompt)
	b, err := term.ReadPassword(fd)
	fmt.Fprintln(e.stderr)
	if err != nil {
		return nil, fmt.Errorf("reading from the terminal: %v", err)
	}
	return b, nil
}

// readRecoveryKey reads the practice's recovery key from its source.
func (e *env) readRecoveryKey(file string) (string, error) {
	b, err := e.readSecret(recoveryKeySource(file))
	if err != nil {
		return "", err
	}
	defer clear(b)
	return string(bytes.TrimSpace(b)), nil
}
