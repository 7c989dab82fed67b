"""Data-quality gates: one Great Expectations suite per stage of the dataset.

The synthesize flow validates each stage's rows for the run right after the
stage writes them and stops before the next stage when a stopping check
fails; ``lbi check`` runs the same suites on demand.
"""
