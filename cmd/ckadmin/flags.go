package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// flags returns an empty flag set for the running command. Parse errors and
// -h are handled by [env.parse], so the set itself prints nothing.
func (e *env) flags() *flag.FlagSet {
	fs := flag.NewFlagSet(e.cmd.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parse parses args with fs, allowing flags before, between and after the
// positional arguments ("user disable maria --data D"), which the flag
// package alone stops at. Everything after "--" is positional.
func (e *env) parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			e.commandHelp(fs)
			return nil, errHelpShown
		}
		if err != nil {
			return nil, &usageError{msg: err.Error()}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	return pos, nil
}

// parseExact is parse for a command that takes exactly the named
// positional arguments.
func (e *env) parseExact(fs *flag.FlagSet, args []string, names ...string) ([]string, error) {
	pos, err := e.parse(fs, args)
	if err != nil {
		return nil, err
	}
	switch {
	case len(pos) > len(names):
		return nil, usagef("unexpected argument %q", pos[len(names)])
	case len(pos) < len(names):
		return nil, usagef("missing %s", names[len(pos)])
	}
	return pos, nil
}

// commandHelp prints the running command's usage and flags on stdout.
func (e *env) commandHelp(fs *flag.FlagSet) {
	fmt.Fprintf(e.stdout, "usage: %s\n\n%s.\n\n", e.cmd.usage(), capitalize(e.cmd.summary))
	if d := commandDetails[e.cmd.name]; d != "" {
		fmt.Fprintf(e.stdout, "%s\n\n", d)
	}
	fmt.Fprintln(e.stdout, "Flags:")
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		fmt.Fprintf(e.stdout, "  --%s %s\n    \t%s", f.Name, name, usage)
		if f.DefValue != "" {
			fmt.Fprintf(e.stdout, " (default %s)", f.DefValue)
		}
		fmt.Fprintln(e.stdout)
	})
}

func capitalize(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
