package main

import "io"

func runLifecycle(args []string, stdout, stderr io.Writer) error {
	return usagef("lifecycle: not implemented yet")
}
