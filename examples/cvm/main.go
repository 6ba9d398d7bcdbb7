// Command cvm runs the cvm library's models on CSV files from the command
// line.
//
// Usage:
//
//	cvm <command> [flags]
//
// Run "cvm help" for the list of commands and "cvm help <command>" (or
// "cvm <command> -h") for the flags of one, with a complete example
// invocation.
//
// Every output file is written whole or not at all: to a temporary file
// in the same folder, renamed over the old file only when the command has
// succeeded; "cvm run" builds its folder aside and swaps it in.
//
// Exit status: 0 on success, 1 when the data is bad (the message names the
// file and line) or an output could not be written (standard output
// included), 2 on a usage error.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/cvmkit/cvm/examples/internal/input"
)

func main() {
	os.Exit(exitCode(run(os.Args[1:], os.Stdout, os.Stderr), os.Stderr))
}

// command is one subcommand of cvm.
type command struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) error
}

// commands lists every subcommand, in the order "cvm help" shows them. Each
// run function lives in a file of its own, cmd_<name>.go.
var commands = []command{
	{"gen", "generate a synthetic transactions CSV", runGen},
	{"summary", "summarize transactions per customer", runSummary},
	{"rfm", "RFM scores and named segments per customer", runRFM},
	{"kmeans", "k-means clustering of a features CSV", runKMeans},
	{"kselect", "compare k-means criteria over a range of k", runKSelect},
	{"score", "customer value scores from an indicator CSV", runScore},
	{"weights", "indicator weights by AHP, entropy or CRITIC", runWeights},
	{"clv", "fit BG/NBD, Pareto/NBD or Gamma-Gamma and forecast CLV", runCLV},
	{"cohort", "acquisition cohorts: retention, repeat-purchase and survivor tables, an sBG per cohort", runCohort},
	{"lifecycle", "lifecycle stage per customer", runLifecycle},
	{"recovery", "precompute and look up service-recovery playbooks", runRecovery},
	{"profile", "the customer file: one row per customer joining every view", runProfile},
	{"contact", "rule-triggered contact plan (message, offer, channel, time) within a budget, and its evaluation against control", runContact},
	{"run", "the whole quickstart flow on a file, all outputs to a folder", runAll},
}

// usageError is an error in how cvm was called; it exits with status 2.
// It is the input package's, so that bad input flags are usage errors too.
type usageError = input.UsageError

func usagef(format string, args ...any) error {
	return &usageError{Msg: fmt.Sprintf(format, args...)}
}

// run dispatches args to a subcommand. Standard output is checked: when a
// write to it fails (a full disk, a closed pipe) a command that otherwise
// succeeded fails with that error, so the exit status says output was
// lost.
func run(args []string, stdout, stderr io.Writer) error {
	ow := &input.ErrWriter{W: stdout}
	err := dispatch(args, ow, stderr)
	if err == nil && ow.Err != nil {
		err = fmt.Errorf("standard output: %w", ow.Err)
	}
	return err
}

func dispatch(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		printHelp(stderr)
		return usagef("no command given")
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		if len(args) == 1 {
			printHelp(stdout)
			return nil
		}
		if len(args) > 2 {
			return usagef("help: want one command name, got %d", len(args)-1)
		}
		c := lookup(args[1])
		if c == nil {
			return usagef("help: unknown command %q (run \"cvm help\")", args[1])
		}
		// A command prints its usage on standard error for -h, as the
		// flag package does; asked for by "cvm help CMD" it goes to
		// standard output, so that it can be paged or saved.
		return c.run([]string{"-h"}, stdout, stdout)
	}
	if c := lookup(args[0]); c != nil {
		return c.run(args[1:], stdout, stderr)
	}
	return usagef("unknown command %q (run \"cvm help\")", args[0])
}

// lookup returns the command called name, or nil.
func lookup(name string) *command {
	for i := range commands {
		if commands[i].name == name {
			return &commands[i]
		}
	}
	return nil
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, "usage: cvm <command> [flags]\n\ncommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun \"cvm help <command>\" (or \"cvm <command> -h\") for a command's flags and an example.")
}

// newFlagSet returns a flag set for a subcommand whose -h prints the usage
// line, the example invocation and the flags.
func newFlagSet(name, usage, example string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: cvm %s %s\n\nexample:\n  %s\n\nflags:\n", name, usage, example)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args into fs, turning a parse failure into a usage error
// and -h into a nil error with done set.
func parseFlags(fs *flag.FlagSet, args []string) (done bool, err error) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return true, nil
		}
		msg := err.Error()
		if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
			if now, ok := renamedFlags[fs.Name()+" -"+name]; ok {
				msg += " (renamed: use " + now + ")"
			}
		}
		return true, &usageError{Msg: msg}
	}
	if fs.NArg() > 0 {
		return true, usagef("unexpected argument %q", fs.Arg(0))
	}
	return false, nil
}

// renamedFlags maps a flag that was renamed, as "command -old", to what to
// use now, so that a script written for the old name is told.
var renamedFlags = map[string]string{
	"rfm -model-out": "-save FILE",
	"clv -discount":  "-annual-discount, a yearly rate",
}

// exitCode prints err and returns the process exit status.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	fmt.Fprintln(stderr, "cvm:", err)
	var ue *usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}
