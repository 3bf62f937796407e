"""Serves one file over HTTPS on 127.0.0.1, with a certificate from a certificate authority made for this run.

    https_file_server.py FILE CA_PEM [OTHER_CA_PEM]

Writes the authority's certificate to CA_PEM (and, when given, an unrelated authority's to OTHER_CA_PEM, for
proving that a client refuses a server it should not trust), prints "ready PORT" once it listens, answers every
GET with FILE's bytes as application/json, and prints "GET PATH" for each request it answers. It stops on SIGTERM
or when its standard input closes.
"""

import datetime
import http.server
import ipaddress
import os
import ssl
import sys
import tempfile
import threading

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def authority(name):
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .sign(key, hashes.SHA256())
    )
    return key, certificate


def server_certificate(ca_key, ca_certificate):
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return key, certificate


def pem(certificate):
    return certificate.public_bytes(serialization.Encoding.PEM)


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    body = open(sys.argv[1], "rb").read()
    ca_key, ca_certificate = authority("UploadEdge test authority")
    with open(sys.argv[2], "wb") as out:
        out.write(pem(ca_certificate))
    if len(sys.argv) == 4:
        with open(sys.argv[3], "wb") as out:
            out.write(pem(authority("An authority nobody trusts")[1]))
    key, certificate = server_certificate(ca_key, ca_certificate)

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.TemporaryDirectory() as directory:
        chain = os.path.join(directory, "chain.pem")
        with open(chain, "wb") as out:
            out.write(pem(certificate))
            out.write(
                key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            )
        context.load_cert_chain(chain)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            print("GET", self.path, flush=True)

        def log_message(self, *arguments):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print("ready", server.server_address[1], flush=True)
    sys.stdin.read()
    server.shutdown()


if __name__ == "__main__":
    main()
