"""Studies over many runs: ensembles (replicates and parameter draws), their result store
and quantile bands, and global sensitivity analysis — all through one runner that executes
small run specs in this process or on a Dask cluster."""
