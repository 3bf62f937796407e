"""A proxy in front of an S3 that injects faults by key, for the object-created fault tests.

    fault_proxy.py --upstream http://127.0.0.1:4566

Listens on 127.0.0.1 on a free port, prints that port on the first line of stdout, then forwards every request
to the upstream unchanged, except requests whose path contains one of these markers:

    fault-403       every request answers 403 AccessDenied (S3's XML error)
    fault-reset     every request's connection is closed without an answer
    fault-503once   the first request for each path answers 503 SlowDown; later ones are forwarded

It runs until its stdin closes, so it never outlives the test that started it.
"""

import argparse
import http.client
import http.server
import sys
import threading
import urllib.parse

SEEN = set()
LOCK = threading.Lock()
ERROR = "<Error><Code>{code}</Code><Message>injected by fault_proxy</Message><RequestId>FAULT</RequestId></Error>"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    upstream = None

    def log_message(self, *args):
        pass

    def answer(self, status, code):
        body = ERROR.format(code=code).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def relay(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        path = urllib.parse.unquote(self.path)
        if "fault-reset" in path:
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if "fault-403" in path:
            return self.answer(403, "AccessDenied")
        if "fault-503once" in path:
            with LOCK:
                first = self.path not in SEEN
                SEEN.add(self.path)
            if first:
                return self.answer(503, "SlowDown")
        connection = http.client.HTTPConnection(self.upstream.hostname, self.upstream.port, timeout=30)
        headers = {name: value for name, value in self.headers.items()}
        connection.request(self.command, self.path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        self.send_response(response.status, response.reason)
        for name, value in response.getheaders():
            if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(name, value)
        # A HEAD answer's Content-Length is the object's size, not the (empty) body's.
        length = response.getheader("Content-Length") if self.command == "HEAD" else None
        self.send_header("Content-Length", length or str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        connection.close()

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = relay


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--upstream", required=True)
    args = parser.parse_args()
    Handler.upstream = urllib.parse.urlparse(args.upstream)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdin.read()
    server.shutdown()


if __name__ == "__main__":
    main()
