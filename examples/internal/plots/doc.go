// Package plots draws the examples' pictures with gonum.org/v1/plot and
// saves each as PNG and SVG.
//
// # Overview
//
// Each function takes plain slices and returns a *plot.Plot; [Save] writes
// it as name.png and name.svg in a folder. The functions know nothing of
// the cvm models, so the quickstart and "cvm run" share them: a heat map
// with its values written in the cells ([Heatmap]), a grouped scatter with
// reference lines ([Scatter]), line charts ([Lines]), bar charts ([Bars]), grouped bars ([GroupedBars])
// and stacked areas over time ([StackedArea]).
//
// Non-finite values are skipped by the scatter and line charts and drawn
// as blank cells by the heat map.
package plots
