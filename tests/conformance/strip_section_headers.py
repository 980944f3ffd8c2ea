#!/usr/bin/env python3
"""Copies an ELF shared library with its section headers removed from the ELF header
(e_shoff = e_shnum = e_shstrndx = 0), so a reader must find the dynamic symbols through the
program headers (PT_DYNAMIC, DT_HASH / DT_GNU_HASH) instead of .dynsym.

    strip_section_headers.py IN OUT
"""
import struct
import sys


def main(source: str, target: str) -> int:
    data = bytearray(open(source, "rb").read())
    if data[:4] != b"\x7fELF":
        print(f"{source}: not an ELF file", file=sys.stderr)
        return 1
    is_64 = data[4] == 2
    endian = "<" if data[5] == 1 else ">"
    if is_64:
        struct.pack_into(endian + "Q", data, 0x28, 0)  # e_shoff
        struct.pack_into(endian + "HH", data, 0x3C, 0, 0)  # e_shnum, e_shstrndx
    else:
        struct.pack_into(endian + "I", data, 0x20, 0)
        struct.pack_into(endian + "HH", data, 0x30, 0, 0)
    open(target, "wb").write(bytes(data))
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2]))
