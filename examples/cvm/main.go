// Command cvm runs the cvm library's models on CSV files from the command
// line.
//
// Usage:
//
//	cvm <command> [flags]
//
// Run "cvm help" for the list of commands and "cvm <command> -h" for the
// flags of one, with a complete example invocation.
//
// Exit status: 0 on success, 1 when the data is bad (the message names the
// line), 2 on a usage error.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

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
	{"lifecycle", "lifecycle stage per customer", runLifecycle},
	{"recovery", "precompute and look up service-recovery playbooks", runRecovery},
	{"run", "the whole quickstart flow on a file, all outputs to a folder", runAll},
}

// usageError is an error in how cvm was called; it exits with status 2.
// It is the input package's, so that bad input flags are usage errors too.
type usageError = input.UsageError

func usagef(format string, args ...any) error {
	return &usageError{Msg: fmt.Sprintf(format, args...)}
}

// run dispatches args to a subcommand.
func run(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		printHelp(stderr)
		if len(args) == 0 {
			return usagef("no command given")
		}
		return nil
	}
	for _, c := range commands {
		if c.name == args[0] {
			return c.run(args[1:], stdout, stderr)
		}
	}
	return usagef("unknown command %q (run \"cvm help\")", args[0])
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, "usage: cvm <command> [flags]\n\ncommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun \"cvm <command> -h\" for a command's flags and an example.")
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
		return true, &usageError{Msg: err.Error()}
	}
	if fs.NArg() > 0 {
		return true, usagef("unexpected argument %q", fs.Arg(0))
	}
	return false, nil
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
