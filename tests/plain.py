#!/usr/bin/env python3
"""plain.py TREE MIRROR: the reference of compress.bats for a tree of
real files.  Each regular file of TREE (symbolic links not followed,
hidden files included) is decompressed when its first bytes are those of
gzip, bzip2, xz, zstd, lz4 or compress, and written plain under MIRROR;
one that holds a NUL byte in its first 32 KiB (after decompression) is
left out, and its path printed.  Independent of pdp: Python's own gzip,
bz2 and lzma, and the zstd and lz4 programs."""
import bz2
import gzip
import lzma
import os
import subprocess
import sys

BINCHECK = 32 << 10


def plain(data):
    if data[:3] == b"\x1f\x8b\x08":
        return gzip.decompress(data)
    if data[:3] == b"BZh" and len(data) >= 10 and data[3:4] in b"123456789" and \
            data[4:10] in (b"\x31\x41\x59\x26\x53\x59", b"\x17\x72\x45\x38\x50\x90"):
        return bz2.decompress(data)
    if data[:6] == b"\xfd7zXZ\x00":
        return lzma.decompress(data)
    for magic, cmd in ((b"\x28\xb5\x2f\xfd", ["zstd", "-dc", "-q"]),
                       (b"\x04\x22\x4d\x18", ["lz4", "-dc"]),
                       (b"\x1f\x9d", ["gzip", "-dc"])):
        if data[:len(magic)] == magic:
            return subprocess.run(cmd, input=data, stdout=subprocess.PIPE,
                                  check=True).stdout
    return data


def main():
    tree, mirror = sys.argv[1], sys.argv[2]
    for root, dirs, files in os.walk(tree):
        for name in files:
            path = os.path.join(root, name)
            if os.path.islink(path) or not os.path.isfile(path):
                continue
            with open(path, "rb") as f:
                data = plain(f.read())
            if b"\0" in data[:BINCHECK]:
                print(path)
                continue
            out = os.path.join(mirror, os.path.relpath(path, tree))
            os.makedirs(os.path.dirname(out), exist_ok=True)
            with open(out, "wb") as f:
                f.write(data)


main()
