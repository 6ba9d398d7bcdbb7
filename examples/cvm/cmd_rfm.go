package main

import "io"

func runRFM(args []string, stdout, stderr io.Writer) error {
	return usagef("rfm: not implemented yet")
}
