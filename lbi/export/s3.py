"""Uploads to S3 or any S3-compatible store; credentials and endpoint come from the standard
AWS chain (AWS_* environment variables, ~/.aws/config, instance roles; AWS_ENDPOINT_URL)."""

from __future__ import annotations

from pathlib import Path

import boto3
from boto3.s3.transfer import TransferConfig

from lbi.errors import ConfigError

MULTIPART_BYTES = 8 * 1024 * 1024


def parse_s3_url(url: str) -> tuple[str, str]:
    """(bucket, key prefix without trailing slash) of ``s3://bucket/prefix``."""
    if not url.startswith("s3://"):
        raise ConfigError(f"not an S3 URL: {url}")
    bucket, _, prefix = url[len("s3://"):].partition("/")
    if not bucket:
        raise ConfigError(f"S3 URL without a bucket: {url}")
    return bucket, prefix.strip("/")


def upload(files: list[Path], url: str, *, base: Path | None = None, part_bytes: int = MULTIPART_BYTES) -> list[str]:
    """Upload in order (put the manifest last: its presence marks a complete export), each under its path
    relative to ``base`` (its name without one); files larger than ``part_bytes`` go up in parts."""
    bucket, prefix = parse_s3_url(url)
    client = boto3.client("s3")
    config = TransferConfig(multipart_threshold=part_bytes, multipart_chunksize=part_bytes)
    keys = []
    for path in files:
        name = path.relative_to(base).as_posix() if base else path.name
        key = f"{prefix}/{name}" if prefix else name
        client.upload_file(str(path), bucket, key, Config=config)
        keys.append(f"s3://{bucket}/{key}")
    return keys
