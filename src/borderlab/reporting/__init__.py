"""Everything a user sees: the run folder, summary, manifest, plots."""
