package main

import "io"

func runKSelect(args []string, stdout, stderr io.Writer) error {
	return usagef("kselect: not implemented yet")
}
