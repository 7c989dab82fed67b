"""Creates the export bucket in the object store (kept when it is there already); the compose stack runs it once."""

from __future__ import annotations

import os
import sys

import boto3
from botocore.exceptions import ClientError


def main() -> int:
    bucket = os.environ["LBI_EXPORT_BUCKET"]
    client = boto3.client("s3")
    try:
        client.create_bucket(Bucket=bucket)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
            raise
    print(f"bucket {bucket} is there")
    return 0


if __name__ == "__main__":
    sys.exit(main())
