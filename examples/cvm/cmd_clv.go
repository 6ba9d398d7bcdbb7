package main

import "io"

func runCLV(args []string, stdout, stderr io.Writer) error {
	return usagef("clv: not implemented yet")
}
