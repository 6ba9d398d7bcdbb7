package main

import "io"

func runSummary(args []string, stdout, stderr io.Writer) error {
	return usagef("summary: not implemented yet")
}
