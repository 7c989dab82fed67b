"""A small environment family made only for the tests: a key-value store. It shows what a new family takes:
this package (family.py, env.py, checks.py, offline.py, docs/, tasks/) and one registration (``register``)."""
