// Command readfloor is the read floor of the README's ingestion
// benchmark: the least work any reader of a CSV file must do, against
// which `cvm summary` is measured. Two goroutines: one reads the file in
// 1 MiB blocks, the other splits each block into lines (a record may
// straddle two blocks) and counts them. It parses nothing and keeps
// nothing.
//
// Usage:
//
//	go build -o /tmp/readfloor ./examples/internal/readfloor
//	/usr/bin/time /tmp/readfloor FILE
//
// It prints the number of lines (a last line without a line end counts)
// and of bytes. It is a benchmark tool, not part of the library.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/cvmkit/cvm/examples/internal/input"
)

func main() {
	os.Exit(input.ExitCode("readfloor", run(os.Args[1:], os.Stdout, os.Stderr), os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("readfloor", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, "usage: readfloor FILE") }
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return &input.UsageError{Msg: "want one file"}
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()
	lines, n, err := count(f)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "%d lines, %d bytes\n", lines, n)
	return err
}

// blockSize is the size of the blocks read, the parallel reader's.
const blockSize = 1 << 20

// count reads r in blocks on one goroutine and splits them into lines on
// the calling one, returning the lines and bytes read.
func count(r io.Reader) (lines, n int64, err error) {
	type block struct {
		b   []byte
		err error
	}
	const inFlight = 4
	free := make(chan []byte, inFlight)
	for range inFlight {
		free <- make([]byte, blockSize)
	}
	full := make(chan block, inFlight)
	stop := make(chan struct{})
	go func() { // reader
		defer close(full)
		for {
			var b []byte
			select {
			case b = <-free:
			case <-stop:
				return
			}
			k, err := io.ReadFull(r, b)
			if errors.Is(err, io.ErrUnexpectedEOF) {
				err = io.EOF
			}
			full <- block{b[:k], err}
			if err != nil {
				return
			}
		}
	}()
	partial := false // the last block ended within a line
	for blk := range full {
		b := blk.b
		n += int64(len(b))
		for len(b) > 0 {
			i := bytes.IndexByte(b, '\n')
			if i < 0 {
				partial = true
				break
			}
			lines++
			partial = false
			b = b[i+1:]
		}
		if blk.err != nil {
			close(stop)
			if blk.err != io.EOF {
				return lines, n, blk.err
			}
			break
		}
		free <- blk.b[:cap(blk.b)]
	}
	if partial {
		lines++
	}
	return lines, n, nil
}
