#include "elf_symbols.h"

#include <elf.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <set>

#include "common.h"

namespace infercost::conformance {
namespace {

namespace fs = std::filesystem;

// Plugins are small; anything past this is not one.
constexpr uintmax_t kMaxFileBytes = uintmax_t{1} << 31;

// A read-only view of the file with bounds-checked typed reads.
class Bytes {
 public:
  explicit Bytes(std::vector<unsigned char> data) : data_(std::move(data)) {}
  size_t size() const { return data_.size(); }
  bool Has(uint64_t offset, uint64_t length) const {
    return offset <= data_.size() && length <= data_.size() - offset;
  }
  template <typename T>
  std::optional<T> Read(uint64_t offset) const {
    if (!Has(offset, sizeof(T))) return std::nullopt;
    T value;
    std::memcpy(&value, data_.data() + offset, sizeof(T));
    return value;
  }
  // A NUL-terminated string at `offset`, at most up to `limit` (exclusive).
  std::optional<std::string> String(uint64_t offset, uint64_t limit) const {
    limit = std::min<uint64_t>(limit, data_.size());
    if (offset >= limit) return std::nullopt;
    const auto* begin = reinterpret_cast<const char*>(data_.data() + offset);
    const void* nul = std::memchr(begin, '\0', limit - offset);
    if (nul == nullptr) return std::nullopt;
    return std::string(begin, static_cast<const char*>(nul));
  }

 private:
  std::vector<unsigned char> data_;
};

struct Elf64 {
  using Ehdr = Elf64_Ehdr;
  using Shdr = Elf64_Shdr;
  using Phdr = Elf64_Phdr;
  using Sym = Elf64_Sym;
  using Dyn = Elf64_Dyn;
  using Addr = Elf64_Addr;
};
struct Elf32 {
  using Ehdr = Elf32_Ehdr;
  using Shdr = Elf32_Shdr;
  using Phdr = Elf32_Phdr;
  using Sym = Elf32_Sym;
  using Dyn = Elf32_Dyn;
  using Addr = Elf32_Addr;
};

template <typename E>
void AddSymbol(const Bytes& file, const typename E::Sym& sym, uint64_t strtab_offset,
               uint64_t strtab_size, ElfSymbols& out) {
  if (sym.st_shndx == SHN_UNDEF) return;  // imported, not defined
  if (sym.st_name == 0) return;           // the null symbol / unnamed section symbols
  std::optional<std::string> name =
      file.String(strtab_offset + sym.st_name, strtab_offset + strtab_size);
  if (!name.has_value()) {
    out.error = "a dynamic symbol's name lies outside the string table";
    return;
  }
  out.defined.push_back(*name);
}

// Through the section headers: SHT_DYNSYM and the string table it links to.
template <typename E>
bool FromSections(const Bytes& file, const typename E::Ehdr& eh, ElfSymbols& out) {
  if (eh.e_shoff == 0 || eh.e_shnum == 0) return false;
  if (eh.e_shentsize != sizeof(typename E::Shdr)) {
    out.error = "unexpected section header size";
    return true;
  }
  for (uint64_t i = 0; i < eh.e_shnum; ++i) {
    auto sh = file.Read<typename E::Shdr>(eh.e_shoff + i * sizeof(typename E::Shdr));
    if (!sh) {
      out.error = "section headers lie outside the file";
      return true;
    }
    if (sh->sh_type != SHT_DYNSYM) continue;
    auto strtab = file.Read<typename E::Shdr>(eh.e_shoff + sh->sh_link * sizeof(typename E::Shdr));
    if (!strtab || sh->sh_link >= eh.e_shnum || !file.Has(strtab->sh_offset, strtab->sh_size)) {
      out.error = ".dynsym links to a missing string table";
      return true;
    }
    const uint64_t entsize = sh->sh_entsize != 0 ? sh->sh_entsize : sizeof(typename E::Sym);
    if (entsize < sizeof(typename E::Sym) || !file.Has(sh->sh_offset, sh->sh_size)) {
      out.error = ".dynsym lies outside the file";
      return true;
    }
    for (uint64_t off = 0; off + entsize <= sh->sh_size; off += entsize) {
      auto sym = file.Read<typename E::Sym>(sh->sh_offset + off);
      if (sym) AddSymbol<E>(file, *sym, strtab->sh_offset, strtab->sh_size, out);
      if (!out.error.empty()) return true;
    }
    return true;
  }
  return false;  // no .dynsym section: try the dynamic segment
}

// Maps a virtual address to a file offset through the PT_LOAD segments.
template <typename E>
std::optional<uint64_t> AddressToOffset(const Bytes& file, const typename E::Ehdr& eh,
                                        uint64_t address) {
  for (uint64_t i = 0; i < eh.e_phnum; ++i) {
    auto ph = file.Read<typename E::Phdr>(eh.e_phoff + i * sizeof(typename E::Phdr));
    if (!ph) return std::nullopt;
    if (ph->p_type == PT_LOAD && address >= ph->p_vaddr && address < ph->p_vaddr + ph->p_filesz) {
      return ph->p_offset + (address - ph->p_vaddr);
    }
  }
  return std::nullopt;
}

// Number of dynamic symbols from a GNU hash table: one past the highest symbol in any chain.
template <typename E>
std::optional<uint64_t> GnuHashSymbolCount(const Bytes& file, uint64_t offset) {
  auto nbuckets = file.Read<uint32_t>(offset);
  auto symoffset = file.Read<uint32_t>(offset + 4);
  auto bloom_size = file.Read<uint32_t>(offset + 8);
  if (!nbuckets || !symoffset || !bloom_size) return std::nullopt;
  const uint64_t buckets = offset + 16 + uint64_t{*bloom_size} * sizeof(typename E::Addr);
  const uint64_t chains = buckets + uint64_t{*nbuckets} * 4;
  uint32_t last = 0;
  for (uint32_t b = 0; b < *nbuckets; ++b) {
    auto head = file.Read<uint32_t>(buckets + uint64_t{b} * 4);
    if (!head) return std::nullopt;
    last = std::max(last, *head);
  }
  if (last < *symoffset) return uint64_t{*symoffset};  // no hashed symbols
  for (uint64_t i = last;; ++i) {
    auto chain = file.Read<uint32_t>(chains + (i - *symoffset) * 4);
    if (!chain) return std::nullopt;
    if (*chain & 1u) return i + 1;
  }
}

// Through the program headers, for a library whose section headers were stripped.
template <typename E>
void FromDynamicSegment(const Bytes& file, const typename E::Ehdr& eh, ElfSymbols& out) {
  std::optional<typename E::Phdr> dynamic;
  for (uint64_t i = 0; i < eh.e_phnum; ++i) {
    auto ph = file.Read<typename E::Phdr>(eh.e_phoff + i * sizeof(typename E::Phdr));
    if (!ph) break;
    if (ph->p_type == PT_DYNAMIC) dynamic = ph;
  }
  if (!dynamic) {
    out.error = "no dynamic symbol table (neither a .dynsym section nor a PT_DYNAMIC segment)";
    return;
  }
  uint64_t symtab = 0, strtab = 0, strsz = 0, hash = 0, gnu_hash = 0;
  uint64_t syment = sizeof(typename E::Sym);
  for (uint64_t off = 0; off + sizeof(typename E::Dyn) <= dynamic->p_filesz;
       off += sizeof(typename E::Dyn)) {
    auto dyn = file.Read<typename E::Dyn>(dynamic->p_offset + off);
    if (!dyn || dyn->d_tag == DT_NULL) break;
    const uint64_t value = dyn->d_un.d_val;
    switch (dyn->d_tag) {
      case DT_SYMTAB:
        symtab = value;
        break;
      case DT_STRTAB:
        strtab = value;
        break;
      case DT_STRSZ:
        strsz = value;
        break;
      case DT_SYMENT:
        syment = value;
        break;
      case DT_HASH:
        hash = value;
        break;
      case DT_GNU_HASH:
        gnu_hash = value;
        break;
      default:
        break;
    }
  }
  auto symtab_off = AddressToOffset<E>(file, eh, symtab);
  auto strtab_off = AddressToOffset<E>(file, eh, strtab);
  if (!symtab_off || !strtab_off || syment < sizeof(typename E::Sym)) {
    out.error = "the dynamic segment's symbol or string table lies outside the file";
    return;
  }
  std::optional<uint64_t> count;
  if (hash != 0) {
    if (auto hash_off = AddressToOffset<E>(file, eh, hash)) {
      if (auto nchain = file.Read<uint32_t>(*hash_off + 4)) count = *nchain;
    }
  } else if (gnu_hash != 0) {
    if (auto gnu_off = AddressToOffset<E>(file, eh, gnu_hash)) {
      count = GnuHashSymbolCount<E>(file, *gnu_off);
    }
  }
  if (!count) {
    out.error = "cannot size the dynamic symbol table (no readable DT_HASH or DT_GNU_HASH)";
    return;
  }
  for (uint64_t i = 0; i < *count; ++i) {
    auto sym = file.Read<typename E::Sym>(*symtab_off + i * syment);
    if (!sym) {
      out.error = "the dynamic symbol table lies outside the file";
      return;
    }
    AddSymbol<E>(file, *sym, *strtab_off, strsz, out);
    if (!out.error.empty()) return;
  }
}

template <typename E>
ElfSymbols ReadAs(const Bytes& file) {
  ElfSymbols out;
  auto eh = file.Read<typename E::Ehdr>(0);
  if (!eh) {
    out.error = "truncated ELF header";
    return out;
  }
  if (eh->e_type != ET_DYN) {
    out.error = Cat("not a shared object (ELF type ", eh->e_type, ", expected ET_DYN)");
    return out;
  }
  if (!FromSections<E>(file, *eh, out)) FromDynamicSegment<E>(file, *eh, out);
  return out;
}

std::optional<std::vector<unsigned char>> ReadFile(const std::string& path, std::string& why) {
  std::error_code error;
  const uintmax_t size = fs::file_size(path, error);
  if (error) {
    why = Cat("cannot read: ", error.message());
    return std::nullopt;
  }
  if (size > kMaxFileBytes) {
    why = Cat("file is ", size, " bytes; too large for a plugin");
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    why = "cannot open the file";
    return std::nullopt;
  }
  return std::vector<unsigned char>(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

std::string CheckElfFile(const std::string& path) {
  std::error_code error;
  if (!fs::exists(path, error)) return "file does not exist";
  if (!fs::is_regular_file(path, error)) return "not a regular file";
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  if (!in.read(magic, sizeof magic)) return "not an ELF file (shorter than 4 bytes)";
  if (std::memcmp(magic, ELFMAG, SELFMAG) != 0) {
    return "not an ELF file (no \\x7fELF header; is it a text file or a build for another OS?)";
  }
  return "";
}

ElfSymbols ReadDefinedDynamicSymbols(const std::string& path) {
  ElfSymbols out;
  if (std::string problem = CheckElfFile(path); !problem.empty()) {
    out.error = problem;
    return out;
  }
  std::string why;
  std::optional<std::vector<unsigned char>> data = ReadFile(path, why);
  if (!data) {
    out.error = why;
    return out;
  }
  const Bytes file(std::move(*data));
  if (file.size() < EI_NIDENT) {
    out.error = "truncated ELF header";
    return out;
  }
  auto ident_class = file.Read<unsigned char>(EI_CLASS);
  auto ident_data = file.Read<unsigned char>(EI_DATA);
  const uint16_t probe = 1;
  unsigned char first_byte;
  std::memcpy(&first_byte, &probe, 1);
  const unsigned char native = first_byte == 1 ? ELFDATA2LSB : ELFDATA2MSB;
  if (*ident_data != native) {
    out.error = "ELF file of the other byte order than this machine; built for another CPU?";
    return out;
  }
  if (*ident_class == ELFCLASS64) return ReadAs<Elf64>(file);
  if (*ident_class == ELFCLASS32) return ReadAs<Elf32>(file);
  out.error = Cat("unknown ELF class ", static_cast<int>(*ident_class));
  return out;
}

}  // namespace infercost::conformance
