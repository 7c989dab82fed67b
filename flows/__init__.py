"""The project's Prefect flows. Importing any of them makes flow runs end when their body does
(lbi/prefect_heartbeats.py)."""

from lbi import prefect_heartbeats

prefect_heartbeats.install()
