"""Two server processes on one PostgreSQL database and one S3 store (Swift's S3 API) behind a
round-robin balancer: the chunks of one mwclient upload reach both nodes in turn, and the
stashed file is published through the other node than the one that took the last chunk.
"""

from __future__ import annotations

import hashlib
import io
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import httpx
import mwclient
import pytest

from tests.clients.media import MIB, make_png
from tests.scaleout.balancer import Balancer
from tests.scaleout.nodes import Cluster, free_port, fresh_bucket, fresh_database, s3_configured

pytestmark = [
    pytest.mark.server,
    pytest.mark.postgres,
    pytest.mark.skipif(not s3_configured(), reason="needs WIKIUPLOAD_TEST_S3_* (scripts/test "
                                                   "starts Swift and sets them)"),
]

BOT_PASSWORD = "nodesbotsecret0123456789abcdefgh"
CHUNK = MIB
SMALL = 64 * 1024  # requests without a chunk are smaller than this


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    with fresh_database() as database_url, fresh_bucket() as bucket:
        cluster = Cluster(tmp_path, database_url, f"s3://{bucket}/wiki")
        yield cluster


def test_chunks_spread_over_two_nodes_and_published_through_the_other(
        cluster: Cluster) -> None:
    with cluster.nodes(2) as nodes:
        cluster.cli("user", "add", "Uploader",   # a generated password may start with "-"
                    f"--password={secrets.token_urlsafe(12)}",
                    "--group", "uploader")
        cluster.cli("botpassword", "add", "Uploader", "bot", "--password", BOT_PASSWORD)
        data = make_png("two nodes", size=(3200, 3200), noise=True)  # about 30 MB
        with Balancer(nodes, free_port()) as balancer:
            site = mwclient.Site(balancer.url.removeprefix("http://"), path="/", scheme="http",
                                 max_retries=1, retry_timeout=1,
                                 clients_useragent="wikiupload-tests/1.0")
            site.chunk_size = CHUNK
            site.login("Uploader@bot", BOT_PASSWORD)
            balancer.app.routed.clear()
            result = site.upload(io.BytesIO(data), "Spread over nodes.png",
                                 description="chunks on two nodes")
            routed = list(balancer.app.routed)

        answer = result.get("upload", result)  # mwclient hands back the upload answer
        assert answer["result"] == "Success", result
        chunk_requests = [r for r in routed if r.method == "POST" and r.content_length > SMALL]
        assert len(chunk_requests) == -(-len(data) // CHUNK)
        assert {r.node for r in chunk_requests} == {0, 1}
        assert all(r.status == 200 for r in routed)
        publish = routed[-1]
        assert publish.method == "POST" and publish.content_length < SMALL
        assert publish.node != chunk_requests[-1].node

        # Each node answers for the file, and serves the very bytes that were sent.
        digest = hashlib.sha1(data).hexdigest()
        for node in nodes:
            info = httpx.get(f"{node}/api.php", params={
                "action": "query", "titles": "File:Spread_over_nodes.png", "prop": "imageinfo",
                "iiprop": "sha1|size|url", "format": "json", "formatversion": "2"}).json()
            entry = info["query"]["pages"][0]["imageinfo"][0]
            assert (entry["sha1"], entry["size"]) == (digest, len(data))
            url = entry["url"] if entry["url"].startswith("http") else node + entry["url"]
            body = hashlib.sha1()
            with httpx.stream("GET", url, follow_redirects=True, timeout=60) as response:
                assert response.status_code == 200
                for block in response.iter_bytes():
                    body.update(block)
            assert body.hexdigest() == digest


def test_nodes_started_together_share_one_schema_and_administrator(cluster: Cluster) -> None:
    with cluster.nodes(2) as nodes:
        for node in nodes:
            general = httpx.get(f"{node}/api.php", params={
                "action": "query", "meta": "siteinfo", "format": "json"}).json()
            assert general["query"]["general"]["sitename"] == "ScaleWiki"
        users = httpx.get(f"{nodes[0]}/api.php", params={
            "action": "query", "list": "allusers", "format": "json",
            "formatversion": "2"}).json()["query"]["allusers"]
        assert [u["name"] for u in users] == ["Admin"]
    assert os.path.getsize(cluster.workdir / "node0.log") > 0
