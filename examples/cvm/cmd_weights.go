package main

import "io"

func runWeights(args []string, stdout, stderr io.Writer) error {
	return usagef("weights: not implemented yet")
}
