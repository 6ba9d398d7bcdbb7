package main

import (
	"bufio"
	"fmt"
	"io"

	"github.com/cvmkit/cvm/examples/internal/input"
	"github.com/cvmkit/cvm/internal/synth"
)

func runGen(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("gen", "[-customers N] [-seed S] [-out FILE]",
		"cvm gen -customers 1000000 -seed 1 -out /tmp/tx.csv", stderr)
	customers := fs.Int("customers", 1000, "number of customers")
	seed := fs.Uint64("seed", 1, "random seed; the same seed gives the same bytes")
	out := fs.String("out", "-", "output CSV file (columns customer,time,amount,order); - for standard output")
	seasonality := fs.Float64("seasonality", 0, "amplitude in [0, 1) of a yearly cycle in purchase rates")
	quiet := fs.Bool("q", false, "no progress on stderr")
	if done, err := parseFlags(fs, args); done {
		return err
	}
	if *customers < 1 {
		return usagef("-customers %d: want at least 1", *customers)
	}
	if *seasonality < 0 || *seasonality >= 1 {
		return usagef("-seasonality %g: want a value in [0, 1)", *seasonality)
	}
	cfg := synth.Config{Customers: *customers, Seed: *seed, Seasonality: *seasonality}
	err := input.CreateFile(*out, stdout, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 1<<20)
		var pw io.Writer = bw
		if !*quiet && *customers >= 200_000 {
			pw = &progressWriter{w: bw, stderr: stderr, every: 100 << 20}
		}
		if err := synth.WriteCSV(pw, cfg); err != nil {
			return err
		}
		return bw.Flush()
	})
	if err != nil {
		return err
	}
	if !*quiet && *out != "-" {
		fmt.Fprintf(stderr, "wrote %d customers to %s\n", *customers, *out)
	}
	return nil
}

// progressWriter reports on stderr every so many bytes written.
type progressWriter struct {
	w      io.Writer
	stderr io.Writer
	n      int64
	every  int64
}

func (p *progressWriter) Write(b []byte) (int, error) {
	n, err := p.w.Write(b)
	if (p.n+int64(n))/p.every > p.n/p.every {
		fmt.Fprintf(p.stderr, "gen: %d MB written...\n", (p.n+int64(n))>>20)
	}
	p.n += int64(n)
	return n, err
}
