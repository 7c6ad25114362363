"""What a server on the embedded default loads: not the S3 client (boto3 and botocore are
some 10 MiB of a process that must stay under 100 MiB while it takes a 5 GiB upload)."""

from __future__ import annotations

import subprocess
import sys

_SCRIPT = """
import sys
import wikiupload.app, wikiupload.cli.serve, wikiupload.upload.cleanup
from wikiupload.jobs import handlers
print(sorted(m for m in ("boto3", "botocore") if m in sys.modules))
"""


def test_the_embedded_default_does_not_load_the_s3_client() -> None:
    done = subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, text=True,
                          timeout=120, check=True)
    assert done.stdout.strip() == "[]"
