"""Exports of the accepted dataset: JSONL, Parquet and fine-tuning formats, locally or to S3."""
