"""Transport: ``nova-lsp serve --tcp HOST:PORT`` (stdio is what every other test uses), the
``python -m nova_lsp.server`` entry point, and a bad ``--tcp`` value."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SERVER_ENV

SWALLOWED = "try:\n    x()\nexcept:\n    pass\n"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def send(writer: asyncio.StreamWriter, message: dict) -> None:
    body = json.dumps({"jsonrpc": "2.0", **message}).encode()
    writer.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    await writer.drain()


async def receive(reader: asyncio.StreamReader) -> dict:
    length = 0
    while True:
        line = await reader.readline()
        if not line:
            raise EOFError("connection closed")
        if line in (b"\r\n", b"\n"):
            break
        name, _, value = line.decode().partition(":")
        if name.lower() == "content-length":
            length = int(value)
    return json.loads(await reader.readexactly(length))


async def receive_until(reader, predicate) -> dict:
    while True:
        message = await receive(reader)
        if predicate(message):
            return message


async def connect(port: int, process) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    for _ in range(300):
        try:
            return await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            if process.returncode is not None:
                raise AssertionError(f"server exited with {process.returncode}")
            await asyncio.sleep(0.05)
    raise AssertionError("the server never listened")


@pytest.mark.asyncio(loop_scope="module")
async def test_tcp_transport(tmp_path: Path):
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "nova_lsp", "serve", "--tcp", f"127.0.0.1:{port}", env=SERVER_ENV
    )
    try:
        reader, writer = await asyncio.wait_for(connect(port, process), 60)
        await send(writer, {"id": 1, "method": "initialize", "params": {"capabilities": {}, "rootUri": tmp_path.as_uri()}})
        result = await asyncio.wait_for(receive_until(reader, lambda m: m.get("id") == 1), 60)
        capabilities = result["result"]["capabilities"]
        assert capabilities["positionEncoding"] == "utf-16"
        assert capabilities["textDocumentSync"]["change"] == 2  # incremental
        assert result["result"]["serverInfo"]["name"] == "nova-lsp"
        await send(writer, {"method": "initialized", "params": {}})
        uri = (tmp_path / "m.py").as_uri()
        await send(
            writer,
            {
                "method": "textDocument/didOpen",
                "params": {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": SWALLOWED}},
            },
        )
        published = await asyncio.wait_for(
            receive_until(reader, lambda m: m.get("method") == "textDocument/publishDiagnostics"), 30
        )
        assert [d["code"] for d in published["params"]["diagnostics"]] == ["NOVA006"]
        await send(writer, {"id": 2, "method": "shutdown"})
        await asyncio.wait_for(receive_until(reader, lambda m: m.get("id") == 2), 30)
        await send(writer, {"method": "exit"})
        assert await asyncio.wait_for(process.wait(), 30) == 0
        writer.close()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


def test_module_entry_point_and_bad_tcp_value():
    help_text = subprocess.run(
        [sys.executable, "-m", "nova_lsp.server", "--help"], env=SERVER_ENV, capture_output=True, text=True, timeout=60
    )
    assert help_text.returncode == 0 and "--tcp HOST:PORT" in help_text.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "nova_lsp", "serve", "--tcp", "nowhere"],
        env=SERVER_ENV,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and "HOST:PORT" in bad.stderr
