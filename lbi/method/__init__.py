"""The method (Learn-by-interact's Algorithms 1 and 2) as plain functions and its vocabulary, free of Prefect."""
