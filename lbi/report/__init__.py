"""The dataset as people would rather look at it: an HTML report with inline SVG figures,
and the same figures as Prefect artifacts."""
