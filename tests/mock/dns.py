#!/usr/bin/env python3
"""A DNS server for the tests that run in a network namespace of their own
(tests/e2e/e2e_edge.py): UDP on --addr port 53, Python standard library only.

  names that start with "dead"  never answered (a name server that is down
                                or whose answers are lost)
  any other name                answered after --delay seconds: A --answer,
                                AAAA no records (NOERROR)

It stops by itself after --lifetime seconds. Each query is appended to --log
as one line "TYPE NAME" (A, AAAA or the number).
"""
import argparse
import socket
import struct
import threading
import time


def parse_question(msg):
    """(name, qtype, end of the question) of a query."""
    labels, i = [], 12
    while msg[i]:
        n = msg[i]
        labels.append(msg[i + 1:i + 1 + n].decode("ascii", "replace"))
        i += 1 + n
    qtype = struct.unpack("!H", msg[i + 1:i + 3])[0]
    return ".".join(labels), qtype, i + 5


def answer(msg, addr):
    name, qtype, end = parse_question(msg)
    flags = 0x8180  # a response, recursion desired and available, NOERROR
    head = msg[:2] + struct.pack("!HHHHH", flags, 1, 1 if qtype == 1 else 0, 0, 0)
    reply = head + msg[12:end]
    if qtype == 1:
        reply += b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + socket.inet_aton(addr)
    return reply


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--addr", default="127.0.0.1")
    ap.add_argument("--answer", default="127.0.0.1", help="the A record given")
    ap.add_argument("--delay", type=float, default=0.0)
    ap.add_argument("--log")
    ap.add_argument("--ready", help="create this file once listening")
    ap.add_argument("--lifetime", type=float, default=60.0)
    args = ap.parse_args()

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((args.addr, 53))
    sock.settimeout(0.2)
    log = open(args.log, "a", buffering=1) if args.log else None
    if args.ready:
        open(args.ready, "w").close()
    deadline = time.time() + args.lifetime
    while time.time() < deadline:
        try:
            msg, peer = sock.recvfrom(4096)
        except socket.timeout:
            continue
        try:
            name, qtype, _ = parse_question(msg)
        except (IndexError, struct.error):
            continue
        if log:
            log.write("%s %s\n" % ({1: "A", 28: "AAAA"}.get(qtype, qtype), name))
        if name.startswith("dead"):
            continue

        def later(msg=msg, peer=peer):
            time.sleep(args.delay)
            sock.sendto(answer(msg, args.answer), peer)

        threading.Thread(target=later, daemon=True).start()
    return 0


if __name__ == "__main__":
    main()
