"""Slow and oversized clients against the real server: cut off in time, 413 without reading on."""

import socket
import time
from collections.abc import Iterator

import pytest

from taggraph.api.app import create_app
from taggraph.settings import Neo4jSettings
from tests.integration.api.conftest import KEYS, api_settings
from tests.support.live_server import live_server

LIMIT_S = 1.0
MAX_BODY = 2048


@pytest.fixture(scope="module")
def address(neo4j_settings: Neo4jSettings) -> Iterator[tuple[str, int]]:
    settings = api_settings(
        None, neo4j_settings, header_timeout_s=LIMIT_S, body_timeout_s=LIMIT_S, max_body_bytes=MAX_BODY
    )
    with live_server(create_app(settings), settings) as address:
        yield address


def upload_head(*headers: bytes) -> bytes:
    """The head of a POST to /v1/recommendations with the read key and ``headers``."""
    lines = [
        b"POST /v1/recommendations HTTP/1.1",
        b"Host: x",
        b"content-type: application/json",
        b"X-API-Key: " + KEYS["recsys"].encode(),
        *headers,
    ]
    return b"\r\n".join(lines) + b"\r\n\r\n"


def read_all(connection: socket.socket, within_s: float) -> tuple[bytes, float]:
    """Everything the server sends until it closes the connection, and when it closed it."""
    started = time.monotonic()
    connection.settimeout(within_s)
    received = b""
    while True:
        chunk = connection.recv(65536)
        if not chunk:
            return received, time.monotonic() - started
        received += chunk


def test_headers_sent_a_line_a_second_are_cut_off(address: tuple[str, int]) -> None:
    lines = [b"GET /healthz HTTP/1.1\r\n", b"Host: x\r\n", b"X-A: 1\r\n", b"X-B: 2\r\n", b"X-C: 3\r\n"]
    with socket.create_connection(address) as connection:
        started = time.monotonic()
        for line in lines:
            try:
                connection.sendall(line)
            except OSError:
                break
            time.sleep(0.5)
        reply, _ = read_all(connection, 10)
        assert reply.startswith(b"HTTP/1.1 408") and time.monotonic() - started < LIMIT_S + 2.5


def test_a_body_shorter_than_its_length_is_cut_off(address: tuple[str, int]) -> None:
    head = upload_head(b"content-length: 500")
    with socket.create_connection(address) as connection:
        connection.sendall(head + b'{"tags": [')
        reply, seconds = read_all(connection, 10)
    assert reply.startswith(b"HTTP/1.1 408") and b"connection: close" in reply.lower()
    assert seconds < LIMIT_S + 2.5


def test_an_oversized_upload_gets_413_and_is_not_read(address: tuple[str, int]) -> None:
    head = upload_head(b"content-length: 50000000")
    with socket.create_connection(address) as connection:
        connection.sendall(head)  # and not one byte of the 50 MB
        reply, seconds = read_all(connection, 10)
    assert reply.startswith(b"HTTP/1.1 413") and b"connection: close" in reply.lower() and seconds < 2


def test_a_chunked_upload_over_the_limit_is_cut_off(address: tuple[str, int]) -> None:
    chunk = b"a" * 1024
    body = (b"%x\r\n" % len(chunk) + chunk + b"\r\n") * 3  # 3 KiB, over the 2 KiB limit, no last chunk
    with socket.create_connection(address) as connection:
        connection.sendall(upload_head(b"transfer-encoding: chunked") + body)
        reply, _ = read_all(connection, 10)
    assert reply.startswith(b"HTTP/1.1 413") and b"connection: close" in reply.lower()


def test_a_huge_declared_chunk_that_never_comes_is_cut_off(address: tuple[str, int]) -> None:
    head = upload_head(b"transfer-encoding: chunked")
    with socket.create_connection(address) as connection:
        connection.sendall(head + b"fffffff\r\n{")
        reply, seconds = read_all(connection, 10)
    assert reply[:12] in (b"HTTP/1.1 408", b"HTTP/1.1 413") and seconds < LIMIT_S + 2.5
