"""bash over a fresh copy of a working tree, each command in a sandbox (lbi.sandbox)."""
