"""S3 round trip against a real S3-compatible server on loopback (moto in server mode)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import boto3
import pytest
import sqlalchemy as sa
from moto.server import ThreadedMotoServer

from lbi.export import s3
from lbi.export.run import export

BUCKET = "datasets"


@pytest.fixture
def s3_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[boto3.client]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://{host}:{port}")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    client = boto3.client("s3")
    client.create_bucket(Bucket=BUCKET)
    yield client
    server.stop()


def test_export_to_s3_equals_the_local_export(dataset_store: sa.Engine, s3_server, tmp_path: Path) -> None:
    result = export(dataset_store, environment_id="sqlite-chinook-v0", fmt="jsonl",
                    destination=f"s3://{BUCKET}/chinook/v1")
    assert result.locations == [f"s3://{BUCKET}/chinook/v1/examples.jsonl", f"s3://{BUCKET}/chinook/v1/manifest.json"]
    export(dataset_store, environment_id="sqlite-chinook-v0", fmt="jsonl", destination=str(tmp_path))
    for name in ("examples.jsonl", "manifest.json"):
        remote = s3_server.get_object(Bucket=BUCKET, Key=f"chinook/v1/{name}")["Body"].read()
        assert remote == (tmp_path / name).read_bytes(), name


def test_large_files_go_up_in_parts(s3_server, tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(11 * 1024 * 1024))
    s3.upload([big], f"s3://{BUCKET}/raw", part_bytes=5 * 1024 * 1024)
    head = s3_server.head_object(Bucket=BUCKET, Key="raw/big.bin")
    assert head["ContentLength"] == big.stat().st_size
    assert head["ETag"].strip('"').endswith("-3"), "uploaded in three parts"
    body = s3_server.get_object(Bucket=BUCKET, Key="raw/big.bin")["Body"].read()
    assert body == big.read_bytes()


def test_a_dataset_directory_goes_up_file_by_file_under_its_relative_names(
        dataset_store: sa.Engine, s3_server, tmp_path: Path) -> None:
    result = export(dataset_store, environment_id="sqlite-chinook-v0", fmt="hf-dataset",
                    destination=f"s3://{BUCKET}/chinook/hf")
    export(dataset_store, environment_id="sqlite-chinook-v0", fmt="hf-dataset", destination=str(tmp_path))
    names = [entry["name"] for entry in result.manifest["files"]] + ["manifest.json"]
    assert result.locations == [f"s3://{BUCKET}/chinook/hf/{name}" for name in names]
    assert "hf-dataset/train/dataset_info.json" in names and "README.md" in names
    for name in names:
        remote = s3_server.get_object(Bucket=BUCKET, Key=f"chinook/hf/{name}")["Body"].read()
        assert remote == (tmp_path / name).read_bytes(), name
