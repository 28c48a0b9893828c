#!/usr/bin/env python3
"""make check-layers: every library file calls only files below it.

Usage: check_layers.py LAYERS LIBRARY.a CLI_OBJECT_OR_ARCHIVE...

LAYERS (src/LAYERS) lists the layers from the ground up, one per line:
"name: file file ...". The symbols come from nm: a symbol that an object of
the library uses (U) and another of our objects defines is a call from the
first file to the second, which must sit on a lower line. The command line's
objects (src/cli/) stand above every layer; one of them inside the library
archive is an error too. mbedTLS and libc symbols are not ours and are not
looked at. Exit 0 and the layer list when all calls point down; 1 and one
line per offending call otherwise.
"""
import os
import subprocess
import sys


def read_layers(path):
    layers, where = [], {}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            name, sep, files = line.partition(":")
            if not sep or not files.split():
                sys.exit("check-layers: %s:%d: want 'name: file ...'" % (path, n))
            for f_ in files.split():
                if f_ in where:
                    sys.exit("check-layers: %s:%d: %s is on two lines" % (path, n, f_))
                where[f_] = len(layers)
            layers.append((name.strip(), files.split()))
    return layers, where


def symbols(paths):
    """{object name: (defined set, undefined set)} over archives and objects."""
    out = subprocess.run(["nm", "-A", "--defined-only"] + paths, capture_output=True,
                         text=True, check=True).stdout.splitlines()
    und = subprocess.run(["nm", "-A", "--undefined-only"] + paths, capture_output=True,
                         text=True, check=True).stdout.splitlines()
    objs = {}

    def split(line):
        # "lib.a:member.o:VALUE T name", "lib.a:member.o:   U name", "file.o:VALUE T name"
        i = line.index(".o:") + 2
        return os.path.basename(line[:i].rsplit(":", 1)[-1])[:-2], line[i + 1:].split()

    out = [l for l in out if ".o:" in l]
    und = [l for l in und if ".o:" in l]
    for line in out:
        name, parts = split(line)
        if len(parts) == 3 and parts[1] in "TDBRCVWGS":
            objs.setdefault(name, (set(), set()))[0].add(parts[2])
    for line in und:
        name, parts = split(line)
        if len(parts) == 2 and parts[0] == "U":
            objs.setdefault(name, (set(), set()))[1].add(parts[1])
    return objs


def members(archive):
    return [m[:-2] for m in subprocess.run(["ar", "t", archive], capture_output=True, text=True,
                                           check=True).stdout.split() if m.endswith(".o")]


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    layers, where = read_layers(sys.argv[1])
    lib, cli_paths = sys.argv[2], sys.argv[3:]
    top = len(layers)
    cli_names = set()
    for p in cli_paths:
        cli_names.update(members(p) if p.endswith(".a") else [os.path.basename(p)[:-2]])
    problems = []
    lib_names = members(lib)
    for m in lib_names:
        if m in cli_names or os.path.exists(os.path.join("src", "cli", m + ".c")):
            problems.append("%s: a command-line file (src/cli/%s.c) is linked into %s"
                            % (m, m, os.path.basename(lib)))
        elif m not in where:
            problems.append("%s: src/%s.c is on no line of %s: add it to its layer"
                            % (m, m, sys.argv[1]))
    objs = symbols([lib] + cli_paths)
    owner = {}
    for name, (defined, _) in objs.items():
        for s in defined:
            owner.setdefault(s, name)
    calls = 0
    for name, (_, used) in sorted(objs.items()):
        level = top if name in cli_names else where.get(name)
        if level is None:
            continue
        for s in sorted(used):
            o = owner.get(s)
            if o is None or o == name:
                continue
            if o in cli_names:
                if name not in cli_names:
                    problems.append("%s: uses %s of the command line (src/cli/%s.c)" % (name, s, o))
                continue
            if o not in where:
                continue  # reported above: the file is on no line
            calls += 1
            if where[o] >= level:
                problems.append("%s (layer %s) uses %s of %s (layer %s): %s" % (
                    name, layers[level][0] if level < top else "cli", s, o, layers[where[o]][0],
                    "a file beside it" if where[o] == level else "a file above it"))
    if problems:
        for p in problems:
            print("check-layers: " + p)
        print("check-layers: %d call(s) or file(s) out of order; the order is %s"
              % (len(problems), sys.argv[1]))
        return 1
    for i, (name, files) in enumerate(layers):
        print("  %2d %-12s %s" % (i + 1, name, " ".join(files)))
    print("  %2d %-12s %s" % (top + 1, "cli", "src/cli/: " + " ".join(sorted(cli_names))))
    print("check-layers: %d layers, %d library files, %d calls between files, all downwards"
          % (top + 1, len(where), calls))
    return 0


if __name__ == "__main__":
    sys.exit(main())
