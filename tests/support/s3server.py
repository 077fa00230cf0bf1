"""A real S3-compatible server for tests: moto in server mode as a subprocess on a loopback port.

It can be stopped and started again on the same port (storage down, then up: moto keeps nothing, so the test
recreates its bucket), and it can check credentials: `with_user()` creates an IAM user allowed s3:* and then turns
moto's authentication on, after which only that user's key works (moto's INITIAL_NO_AUTH_ACTION_COUNT mechanism,
switched at run time through /moto-api/reset-auth).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from .ports import free_port
from .wait import GiveUp, eventually_sync

REGION = "us-east-1"


class MotoServer:
    def __init__(self, log_dir: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._log = log_dir / f"moto-{self.port}.log"
        self._proc: subprocess.Popen[bytes] | None = None
        self.key_id, self.secret = "testing", "testing"  # any key works until `with_user`

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION})
        with open(self._log, "ab") as out:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
                stdout=out, stderr=out, stdin=subprocess.DEVNULL, env=env, start_new_session=True,
            )
        proc = self._proc

        def answers() -> bool:
            if proc.poll() is not None:
                raise GiveUp(f"moto exited: {self._log.read_text(errors='replace')[-2000:]}")
            with urllib.request.urlopen(f"{self.endpoint}/moto-api/", timeout=1):
                return True

        eventually_sync(answers, what=f"moto to answer at {self.endpoint}", timeout=30, interval=0.1)

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.send_signal(signal.SIGTERM)
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self._proc.pid, signal.SIGKILL)
                self._proc.wait()
        self._proc = None
        self.key_id, self.secret = "testing", "testing"

    def client(self, service: str = "s3", key_id: str | None = None, secret: str | None = None) -> Any:
        return boto3.session.Session().client(
            service,
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=key_id or self.key_id,
            aws_secret_access_key=secret or self.secret,
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
        )

    def create_bucket(self, name: str, *, versioning: bool = True) -> None:
        """A bucket; with versioning each PUT to a key leaves a version, which is how tests count uploads."""
        s3 = self.client()
        s3.create_bucket(Bucket=name)
        if versioning:
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})

    def with_user(self) -> tuple[str, str]:
        """Create an IAM user allowed s3:*, then require valid credentials; returns its (key id, secret)."""
        iam = self.client("iam")
        iam.create_user(UserName="tether")
        policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
        iam.put_user_policy(UserName="tether", PolicyName="s3", PolicyDocument=json.dumps(policy))
        key = iam.create_access_key(UserName="tether")["AccessKey"]
        request = urllib.request.Request(
            f"{self.endpoint}/moto-api/reset-auth", data=b"0", method="POST", headers={"Content-Type": "text/plain"}
        )
        with urllib.request.urlopen(request, timeout=5):
            pass
        self.key_id, self.secret = key["AccessKeyId"], key["SecretAccessKey"]
        return self.key_id, self.secret

    def versions(self, bucket: str, prefix: str = "") -> Counter[str]:
        """How many times each key was written (needs a versioned bucket). The prefix is applied here: moto's
        signature check disagrees with botocore about a query parameter holding a slash."""
        counts: Counter[str] = Counter()
        paginator = self.client().get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=bucket):
            for version in page.get("Versions", []):
                if version["Key"].startswith(prefix):
                    counts[version["Key"]] += 1
        return counts

    def get(self, bucket: str, key: str) -> tuple[bytes, dict[str, Any]]:
        reply = self.client().get_object(Bucket=bucket, Key=key)
        return reply["Body"].read(), reply
