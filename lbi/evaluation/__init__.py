"""Evaluation: agents act on a task set (baseline, with retrieval, or replaying gold actions), checked by the
environment; results are stored in lbi.evaluations so runs can be compared."""
