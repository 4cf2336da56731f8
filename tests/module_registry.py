"""A Terraform module registry on 127.0.0.1 for tests: TLS with a throw-away CA, archives built in a temp dir.

It speaks the registry protocol as registry.terraform.io does: service discovery at
``/.well-known/terraform.json``, ``<base>/<ns>/<name>/<provider>/versions`` and
``<base>/<ns>/<name>/<provider>/<version>/download`` answered with 204 and an ``X-Terraform-Get``
header naming the archive. Every request is recorded, so a test can tell that nothing was fetched.
"""

from __future__ import annotations

import datetime
import io
import ipaddress
import json
import ssl
import tarfile
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.local_server import serving


def make_ca(directory: Path) -> tuple[Path, Path, Path]:
    """(CA certificate, server certificate, server key) files for 127.0.0.1, signed by a fresh CA."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "specdrift test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(hours=1))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = directory / "ca.pem", directory / "server.pem", directory / "server.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return paths


def tar_gz(files: Mapping[str, str]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def zip_bytes(files: Mapping[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


@dataclass
class Registry:
    """Modules by ``ns/name/provider`` -> version -> (X-Terraform-Get value); files by URL path."""

    port: int = 0
    modules: dict[str, dict[str, str]] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    authorization: dict[str, str] = field(default_factory=dict)  # path -> the Authorization header sent

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"


@contextmanager
def serve(registry: Registry, certificates: tuple[Path, Path, Path]) -> Iterator[Registry]:
    """Serve ``registry`` over TLS on 127.0.0.1 (a free port) until the block ends."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            registry.requests.append(self.path)
            if self.headers.get("Authorization"):
                registry.authorization[self.path] = self.headers["Authorization"]
            path = self.path.split("?", 1)[0]
            if path == "/.well-known/terraform.json":
                return self._json({"modules.v1": "/v1/modules/"})
            parts = path.removeprefix("/v1/modules/").strip("/").split("/")
            if path.startswith("/v1/modules/") and len(parts) == 4 and parts[3] == "versions":
                versions = registry.modules.get("/".join(parts[:3]))
                if versions is None:
                    return self._send(404, b"")
                return self._json({"modules": [{"versions": [{"version": v} for v in versions]}]})
            if path.startswith("/v1/modules/") and len(parts) == 5 and parts[4] == "download":
                location = registry.modules.get("/".join(parts[:3]), {}).get(parts[3])
                if location is None:
                    return self._send(404, b"")
                self.send_response(204)
                self.send_header("X-Terraform-Get", location)
                self.end_headers()
                return None
            if path in registry.files:
                return self._send(200, registry.files[path])
            return self._send(404, b"")

        def _json(self, data: object) -> None:
            self._send(200, json.dumps(data).encode(), "application/json")

        def _send(self, status: int, body: bytes, kind: str = "application/octet-stream") -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(certificates[1]), str(certificates[2]))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    registry.port = server.server_address[1]
    with serving(server):
        yield registry
