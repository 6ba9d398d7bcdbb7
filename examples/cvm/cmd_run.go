package main

import "io"

func runAll(args []string, stdout, stderr io.Writer) error {
	return usagef("run: not implemented yet")
}
