"""The dashboard's pages: each declares where its rows come from, its table, its filters and its template.

Every figure is read from the read side (metrics.readers, metrics.dashboard, metrics.task_rows, metrics.trends,
metrics.indicator_figures) in a fixed number of queries, whatever the size of the data; every number links to
the rows it was counted from. One module a kind of page: base (what they share), summary, programmes, units,
indicators.
"""
