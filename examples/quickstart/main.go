// Command quickstart runs the whole cvm flow on an embedded synthetic
// customer base and prints a readable report.
package main

import (
	"fmt"
	"io"
	"os"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fmt.Fprintln(stdout, "cvm quickstart: work in progress")
	return nil
}
