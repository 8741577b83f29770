"""`engine-emu serve` as a user runs it: a separate process, TLS with a downloadable CA."""
from __future__ import annotations

import socket
import subprocess
import sys
import time

import ovirtsdk4 as sdk
import pytest
import requests


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def tls_server(tmp_path):
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "engine_api.cli", "serve", "--tls", "--port", str(port), "--state-dir",
         str(tmp_path), "--seed", "demo", "--transition-delay", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            if process.poll() is not None:
                raise AssertionError(process.stdout.read())
            time.sleep(0.1)
    yield f"https://127.0.0.1:{port}", tmp_path
    process.terminate()
    process.wait(timeout=10)


def test_tls_with_the_engine_ca(tls_server, tmp_path):
    base, state = tls_server
    pem = requests.get(f"{base}/ovirt-engine/services/pki-resource",
                       params={"resource": "ca-certificate", "format": "X509-PEM-CA"}, verify=False)
    assert pem.status_code == 200
    assert pem.content.startswith(b"-----BEGIN CERTIFICATE-----")
    ca_file = tmp_path / "ca.pem"
    ca_file.write_bytes(pem.content)
    # The served CA verifies the server: requests and the SDK both accept it without `insecure`.
    assert requests.get(f"{base}/ovirt-engine/api", auth=("admin@internal", "admin"),
                        verify=str(ca_file)).status_code == 200
    connection = sdk.Connection(url=f"{base}/ovirt-engine/api", username="admin@internal", password="admin",
                                ca_file=str(ca_file))
    try:
        assert "myvm" in [vm.name for vm in connection.system_service().vms_service().list()]
    finally:
        connection.close()
    # A client that trusts nothing refuses the self-signed chain.
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(f"{base}/ovirt-engine/api", verify=True)
    assert (state / "pki" / "ca.pem").read_bytes() == pem.content
