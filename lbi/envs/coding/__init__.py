"""The python-repo family: a Python repository, its tests and an editor, SWE-bench style."""
