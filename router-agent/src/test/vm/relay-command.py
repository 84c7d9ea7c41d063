#!/usr/bin/python3
# relay-command.py SOCKET PROGRAM [ARG...]: runs the command through a VmRelay (VmRelay.java) as if it ran here, for
# an agent whose commandPrefix points into a test VM. Python, not a JVM: it starts in tens of milliseconds, and an
# agent runs many commands in a takeover. Frames as VmRelay's: a big-endian int count, then each string as a
# big-endian int length and its UTF-8 bytes; the answer is the exit status and two strings, stdout and stderr.
import socket
import struct
import sys


def send_strings(sock, strings):
    data = [struct.pack(">i", len(strings))]
    for s in strings:
        b = s.encode("utf-8")
        data.append(struct.pack(">i", len(b)))
        data.append(b)
    sock.sendall(b"".join(data))


def read_exact(f, n):
    b = f.read(n)
    if len(b) != n:
        sys.stderr.write("relay-command.py: the VM relay closed the connection\n")
        sys.exit(125)
    return b


def main():
    if len(sys.argv) < 3:
        sys.stderr.write("usage: relay-command.py SOCKET PROGRAM [ARG...]\n")
        sys.exit(2)
    stdin = sys.stdin.buffer.read().decode("utf-8")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.connect(sys.argv[1])
        send_strings(sock, sys.argv[2:] + [stdin])
        f = sock.makefile("rb")
        status = struct.unpack(">i", read_exact(f, 4))[0]
        count = struct.unpack(">i", read_exact(f, 4))[0]
        out = []
        for _ in range(count):
            n = struct.unpack(">i", read_exact(f, 4))[0]
            out.append(read_exact(f, n))
    sys.stdout.buffer.write(out[0])
    sys.stdout.flush()
    sys.stderr.buffer.write(out[1])
    sys.stderr.flush()
    sys.exit(status)


main()
