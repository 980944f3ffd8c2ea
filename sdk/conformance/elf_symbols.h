// infercost-conformance — reads an ELF file's defined dynamic symbols without running it and
// without nm: the .dynsym section (through the section headers), or, for a library stripped of
// section headers, the dynamic segment (DT_SYMTAB / DT_STRTAB sized by DT_HASH or DT_GNU_HASH).
// Every offset is bounds-checked: a malformed file gives an error, never a crash.
//
//   ElfSymbols s = ReadDefinedDynamicSymbols("/opt/acme/infercost-acme.so");
//   if (!s.error.empty()) ...; for (const std::string& name : s.defined) ...
#ifndef INFERCOST_SDK_CONFORMANCE_ELF_SYMBOLS_H_
#define INFERCOST_SDK_CONFORMANCE_ELF_SYMBOLS_H_

#include <string>
#include <vector>

namespace infercost::conformance {

// Empty if `path` is a readable ELF file, else why not ("no ELF header; is it a text file?").
std::string CheckElfFile(const std::string& path);

struct ElfSymbols {
  std::vector<std::string> defined;  // names of defined dynamic symbols (no version suffix)
  std::string error;                 // why the file could not be read; empty on success
};

ElfSymbols ReadDefinedDynamicSymbols(const std::string& path);

}  // namespace infercost::conformance

#endif  // INFERCOST_SDK_CONFORMANCE_ELF_SYMBOLS_H_
