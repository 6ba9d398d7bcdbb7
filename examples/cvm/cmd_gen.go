package main

import "io"

func runGen(args []string, stdout, stderr io.Writer) error {
	return usagef("gen: not implemented yet")
}
