package main

import "github.com/cvmkit/cvm/examples/internal/input"

// addInputFlags registers (see examples/internal/input) the shared transaction-input flags on fs.
var addInputFlags = input.AddFlags
