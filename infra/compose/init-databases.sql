-- Runs once when the postgres volume is new: Prefect keeps its state in its own database.
CREATE DATABASE prefect;
