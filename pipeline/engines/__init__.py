"""The engines: a whole batch scored end to end, on this machine (local: forked workers) or on a Dask cluster
(dask), both through the per-document stages of `stages` (read, copy sources, record).
Takes a batch folder and a ScoringConfig; gives results.json, the reports and the quarter in the archive."""
