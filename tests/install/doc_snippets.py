#!/usr/bin/env python3
"""Turns the code blocks of a doc into a CMake project, exactly as written, so the install test
can build and run what the docs show.

  doc_snippets.py sdk-readme sdk/README.md OUT   # step 1's C++ (swa.cc), step 2's CMake project
  doc_snippets.py embedding docs/embedding.md OUT  # the C++ and C snippets, each inside main()
"""
import pathlib
import re
import sys

mode, doc, out = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
blocks = {}
for lang, body in re.findall(r"```(cpp|cmake|c)\n(.*?)```", doc.read_text(encoding="utf-8"), re.S):
    blocks.setdefault(lang, body)  # the first block of each language
out.mkdir(parents=True, exist_ok=True)

if mode == "sdk-readme":
    (out / "swa.cc").write_text(blocks["cpp"])
    (out / "CMakeLists.txt").write_text(blocks["cmake"])
elif mode == "embedding":
    lines = blocks["cpp"].splitlines()
    includes = [line for line in lines if line.startswith("#include")]
    body = [line for line in lines if not line.startswith("#include")]
    (out / "doc_cpp.cc").write_text("\n".join(includes) + "\nint main() {\n" + "\n".join(body) +
                                    "\n  return 0;\n}\n")
    (out / "doc_c.c").write_text('#include <stdio.h>\n#include "infercost/infercost.h"\n'
                                 "int main(void) {\n" + blocks["c"] + "  return 0;\n}\n")
    (out / "CMakeLists.txt").write_text("""cmake_minimum_required(VERSION 3.20)
project(embedding_doc LANGUAGES C CXX)
find_package(infercost CONFIG REQUIRED)
add_executable(doc_cpp doc_cpp.cc)
target_link_libraries(doc_cpp PRIVATE infercost::framework)
add_executable(doc_c doc_c.c)
target_link_libraries(doc_c PRIVATE infercost::framework)
set_target_properties(doc_c PROPERTIES LINKER_LANGUAGE CXX)
""")
else:
    sys.exit(f"doc_snippets.py: unknown mode '{mode}' (sdk-readme or embedding)")
