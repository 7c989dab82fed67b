"""Data-quality gates: one Great Expectations suite per stage of the dataset.

The synthesize flow validates each stage's rows for the run once the stage is
complete and stops the run when a stopping check fails; ``lbi check`` runs
the same suites on demand.
"""
