// Package flow presents the customer file of one customer base: the
// summaries, RFM segments, k-means clusters, CLV forecasts, value scores,
// lifecycle stages and recovery playbooks that package profile joins. The
// quickstart prints it as a report and "cvm run" writes every stage to a
// folder.
//
// # Overview
//
// The join is profile.Build; flow adds what only a presentation needs:
// the synthetic firm's attributes ([Attributes]: indicators, contacts and
// failures a real firm would know besides its transactions), the criteria
// table for other numbers of k-means clusters than the file's, the CLV
// check on a holdout period, tables, pictures and files.
// [Build] builds the file with [Settings] and [Attributes]; [Present]
// turns a file into a [Result] holding every stage's output; [Run] does
// both. [Result.Report] writes the text
// report, [Result.Plots] the pictures and [Result.WriteFiles] one CSV per
// stage and the fitted models as JSON.
//
// The steps follow the one-to-one marketing loop (Peppers & Rogers 1993):
// identify (cvm summaries), differentiate by behaviour (segment: RFM with
// the default 5-bin map; the file's k-means clusters on log1p-standardised
// R, F, M, with k = 2..8 compared by inertia, silhouette,
// Calinski-Harabasz and Davies-Bouldin) and by worth (value/clv: BG/NBD and Gamma-Gamma, Fader,
// Hardie & Lee 2005, validated on a holdout of up to 26 weeks, CLV over 12
// months at 10% a year; value: the current-plus-potential model with the
// CLV, expected-purchase and P(alive) forecasts in the lifetime group of
// current value, cut where value concentrates, pyramid of Zeithaml, Rust & Lemon 2001), interact in context
// (lifecycle: monthly ticks, default rules after Dwyer, Schurr & Oh 1987)
// and customise (recovery: a playbook per customer, failure type and
// severity with the package's documented defaults).
//
// # What transactions alone cannot give
//
// A transactions file has no B2B indicators (margins, credit, surveys), no
// failure history, channel preference or influence. For the synthetic base
// these come from internal/synth and from streams seeded by Input.Seed;
// for a file the value model uses only the indicators transactions give
// plus the CLV forecasts, and the recovery inputs fall back to stated
// assumptions. Every such gap is listed in Result.Notes and at the end of
// the report. A stage that cannot run on the data (too few customers, no
// repeat buyers) is skipped and named there too.
package flow
