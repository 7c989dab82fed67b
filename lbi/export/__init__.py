"""Exports of the accepted dataset: records (JSONL, Parquet), training samples (action prediction, conversations),
a Hugging Face dataset with its card; locally or to S3. Layouts: docs/schema.md."""
