package main

import "io"

func runScore(args []string, stdout, stderr io.Writer) error {
	return usagef("score: not implemented yet")
}
