#!/usr/bin/env python3
"""Servers on the host's loopback for the proxy test: an HTTP server (each answer says the path,
the Host header and the Connection header it got) and a TCP echo server (each connection's start
and end are appended to EVENTS as "open" and "close"). Prints "HTTP_PORT ECHO_PORT" once both
listen, and ends when its standard input closes."""
import http.server
import socket
import socketserver
import sys
import threading

events = sys.argv[1]
lock = threading.Lock()


def event(word):
    with lock, open(events, "a") as f:
        f.write(word + "\n")


class Http(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        body = "served %s host=%s connection=%s proxy-connection=%s\n" % (
            self.path, self.headers.get("Host"), self.headers.get("Connection"),
            self.headers.get("Proxy-Connection"))
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)
        self.close_connection = True

    def log_message(self, *args):
        pass


class Echo(socketserver.BaseRequestHandler):
    def handle(self):
        event("open")
        try:
            while True:
                data = self.request.recv(65536)
                if not data:
                    break
                self.request.sendall(data)
        except OSError:
            pass
        event("close")


class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


http_server = Server(("127.0.0.1", 0), Http)
echo_server = Server(("127.0.0.1", 0), Echo)
for s in (http_server, echo_server):
    threading.Thread(target=s.serve_forever, daemon=True).start()
print(http_server.server_address[1], echo_server.server_address[1], flush=True)
sys.stdin.read()
