package main

import "io"

func runKMeans(args []string, stdout, stderr io.Writer) error {
	return usagef("kmeans: not implemented yet")
}
