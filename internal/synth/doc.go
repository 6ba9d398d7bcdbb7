// Package synth generates realistic, deterministic customers and
// transactions for tests, benchmarks and the examples.
//
// # Overview
//
// [Config] describes a customer base; [NewCustomer] and [Customers] give
// its customers with their latent parameters, [Transactions] their rows,
// and [WriteCSV] writes them in the CSV format that cvm.NewReader reads by
// default (customer,time,amount,order).
//
// # Model
//
// Each customer follows a "buy till you die" story with Gamma-Gamma spend
// (Fader, Hardie & Lee 2005b; Colombo & Jiang 1999). By default it is the
// story of the MBG/NBD model (Batislam, Denizel & Filiztekin 2007), where a
// customer may drop out right after the first purchase; with Config.BGNBD
// it is that of the BG/NBD model (Fader, Hardie & Lee 2005), where the
// first purchase is always followed by a period of activity:
//
//	lambda ~ Gamma(shape R, rate Alpha)      purchases per week while alive
//	p      ~ Beta(A, B)                      dropout after each purchase (each repeat purchase with BGNBD)
//	nu     ~ Gamma(shape Q, rate Gamma)      spend scale
//	z      ~ Gamma(shape P, rate nu)         the value of each order
//
// Customers are acquired uniformly over AcquisitionDays from Start with a
// first purchase; further purchases arrive as a Poisson process (thinned by
// an optional yearly seasonality) until the customer drops out or End is
// reached. An order has one to a few line items, and a share of orders is
// followed by a partial return (a negative amount).
//
// Every customer draws from its own PCG stream seeded by (Seed, index), so
// the output is the same bytes whatever GOMAXPROCS is, and customers can be
// generated in any order or in parallel. Products that feed a sum are
// rounded explicitly (float64(x*y)) so that compilers that fuse
// multiply-adds (arm64, amd64 v3) compute the same numbers as amd64 v1;
// the standard library's math.Log, math.Exp and math.Pow are the one
// remaining source of possible last-bit differences between architectures.
package synth
