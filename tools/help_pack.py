#!/usr/bin/env python3
"""help_pack.py IN OUT [SECTION...]: src/cli/help.txt packed into a C header for
cli_help.c, without the SECTIONs named (those only a feature left out of the build
reads, e.g. repl: chat -i's /help; the Makefile names them).

The help text is 11 KB of English that the binary needs only for `dbxai help`,
`--help`, `dbxai completion` and chat -i's /help; packed it is half of that.
The sections ("@NAME" lines; the text up to the next one, as it is; "#" lines
before the first are comments) become one string "NAME\\0TEXT\\0NAME\\0TEXT\\0...",
packed as LZ77 in whole bytes (the text is ASCII):

  a byte below 0x80     itself
  two bytes 1LLLOOOO OOOOOOOO
                        a copy of L + 3 bytes (3..10) from O + 1 bytes back (1..4096)

cli_help.c unpacks it (help_text()). The parse is optimal (fewest bytes). The
packed text is unpacked again here and compared, so a header that is written is
right. Exit 1, naming the line, on a byte that is not ASCII or a text before
the first section. Python stdlib only.
"""
import os
import sys

MIN, LBITS, OBITS = 3, 3, 12
MAXLEN, MAXOFF = (1 << LBITS) - 1 + MIN, 1 << OBITS


def sections(path):
    out, name = [], None
    with open(path, "rb") as f:
        for no, line in enumerate(f, 1):
            if any(b >= 0x80 for b in line) or b"\0" in line:
                sys.exit("%s:%d: only ASCII (no NUL) in the help text" % (path, no))
            if line.startswith(b"@"):
                name = line[1:].strip()
                out.append([name, b""])
            elif name is not None:
                out[-1][1] += line
            elif not line.startswith(b"#"):
                sys.exit("%s:%d: text before the first @SECTION line" % (path, no))
    return out


def pack(data):
    n = len(data)
    last = {}  # 3-byte string: the positions it starts at
    found = []
    for i in range(n):
        key, m = data[i:i + MIN], []
        if len(key) == MIN:
            for j in reversed(last.get(key, [])):
                if i - j > MAXOFF:
                    break
                k = 0
                while k < MAXLEN and i + k < n and data[j + k] == data[i + k]:
                    k += 1
                m.append((k, i - j))
            last.setdefault(key, []).append(i)
        found.append(m)
    cost, pick = [0] * (n + 1), [None] * (n + 1)
    for i in range(n - 1, -1, -1):
        cost[i] = 1 + cost[i + 1]
        for k, off in found[i]:
            for k2 in range(MIN, k + 1):
                if 2 + cost[i + k2] < cost[i]:
                    cost[i], pick[i] = 2 + cost[i + k2], (k2, off)
    z, i = bytearray(), 0
    while i < n:
        if pick[i] is None:
            z.append(data[i])
            i += 1
        else:
            k, off = pick[i]
            v = 0x8000 | (k - MIN) << OBITS | (off - 1)
            z += bytes((v >> 8, v & 0xFF))
            i += k
    return bytes(z)


def unpack(z):
    out, i = bytearray(), 0
    while i < len(z):
        if z[i] < 0x80:
            out.append(z[i])
            i += 1
            continue
        v = z[i] << 8 | z[i + 1]
        i += 2
        off = (v & (MAXOFF - 1)) + 1
        for _ in range((v >> OBITS & ((1 << LBITS) - 1)) + MIN):
            out.append(out[-off])
    return bytes(out)


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: help_pack.py src/cli/help.txt OUT.h [SECTION...]")
    secs, omit = sections(sys.argv[1]), [a.encode() for a in sys.argv[3:]]
    for name in omit:
        if name not in [n for n, _ in secs]:
            sys.exit("help_pack.py: no section @%s in %s" % (name.decode(), sys.argv[1]))
    text = b"".join(name + b"\0" + body + b"\0" for name, body in secs if name not in omit)
    z = pack(text)
    if unpack(z) != text:
        sys.exit("help_pack.py: the packed text does not unpack to the same")
    rows = [", ".join("%d" % b for b in z[i:i + 24]) for i in range(0, len(z), 24)]
    with open(sys.argv[2] + ".tmp", "w") as f:
        f.write("/* Made by tools/help_pack.py from %s: edit that, not this. */\n" % sys.argv[1])
        f.write("#define HELP_TEXT_SIZE %d\n" % len(text))
        f.write("static const unsigned char help_packed[%d] = {\n%s};\n" % (len(z), ",\n".join(rows)))
    os.replace(sys.argv[2] + ".tmp", sys.argv[2])


if __name__ == "__main__":
    main()
