package main

import "io"

func runRecovery(args []string, stdout, stderr io.Writer) error {
	return usagef("recovery: not implemented yet")
}
