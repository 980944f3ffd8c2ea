// Replay driver: the fuzz harnesses as ordinary test programs (no clang, no libFuzzer), so every
// build with tests runs a short smoke of each (CTest label `fuzz`).
//
//   model_preset_fuzz_replay [--mutations=N] [--seed=S] CORPUS_DIR_OR_FILE...
//
// Runs every file of the given directories (sorted) through LLVMFuzzerTestOneInput, then N
// (default 20000) deterministic mutations of them from seed S (default 1): bit flips, bytes set
// to syntax characters, truncations, deleted, duplicated and swapped ranges, splices of two
// inputs; one to four per mutant. A crash, sanitizer report or escaping exception fails the
// test; the input is named on stderr (and written to fuzz-replay-crash-<harness> for a mutant).
#include <algorithm>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

struct Input {
  std::string name;
  std::string bytes;
};

const std::string* current_label = nullptr;
const std::string* current_bytes = nullptr;
std::string crash_file;

void ReportCurrent(const char* what) {
  if (current_label != nullptr) {
    std::fprintf(stderr, "replay: %s on %s\n", what, current_label->c_str());
    if (current_bytes != nullptr && !crash_file.empty()) {
      std::ofstream(crash_file, std::ios::binary) << *current_bytes;
      std::fprintf(stderr, "replay: input written to %s\n", crash_file.c_str());
    }
  }
}

void OnTerminate() {
  ReportCurrent("uncaught exception");
  current_label = nullptr;  // reported once
  std::abort();
}

// A crash (abort, segfault): name the input, then die as the signal would have.
void OnSignal(int signal) {
  std::signal(signal, SIG_DFL);
  ReportCurrent("crash");
  std::raise(signal);
}

void Run(const std::string& label, const std::string& bytes) {
  current_label = &label;
  current_bytes = &bytes;
  // Exact-size heap copy, so that ASan sees reads past the end.
  std::vector<uint8_t> copy(bytes.begin(), bytes.end());
  LLVMFuzzerTestOneInput(copy.data(), copy.size());
  current_label = nullptr;
  current_bytes = nullptr;
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

class Mutator {
 public:
  explicit Mutator(uint32_t seed) : rng_(seed) {}

  size_t Below(size_t n) { return n == 0 ? 0 : static_cast<size_t>(rng_() % n); }

  std::string Mutate(const std::vector<Input>& inputs) {
    std::string bytes = inputs[Below(inputs.size())].bytes;
    const size_t steps = 1 + Below(4);
    for (size_t step = 0; step < steps; ++step) Step(bytes, inputs);
    return bytes;
  }

 private:
  void Step(std::string& b, const std::vector<Input>& inputs) {
    static constexpr char kSpecial[] = {'\0', '\n', '"',    '\'',   '[',    ']', '{', '}', '=',
                                        ',',  ':',  '.',    '-',    '+',    'e', '0', '9', '#',
                                        ' ',  '\\', '\x7f', '\xff', '\xc3', 't', 'n'};
    switch (Below(8)) {
      case 0:  // flip one bit
        if (!b.empty()) b[Below(b.size())] ^= static_cast<char>(1u << Below(8));
        break;
      case 1:  // a syntax character
        if (!b.empty()) b[Below(b.size())] = kSpecial[Below(sizeof(kSpecial))];
        break;
      case 2:  // insert a syntax character
        b.insert(b.begin() + static_cast<std::ptrdiff_t>(Below(b.size() + 1)),
                 kSpecial[Below(sizeof(kSpecial))]);
        break;
      case 3:  // truncate
        b.resize(Below(b.size() + 1));
        break;
      case 4: {  // delete a range
        const size_t at = Below(b.size() + 1);
        b.erase(at, Below(std::min<size_t>(b.size() - at, 64) + 1));
        break;
      }
      case 5: {  // duplicate a range
        const size_t at = Below(b.size() + 1);
        const std::string piece = b.substr(at, Below(64) + 1);
        b.insert(Below(b.size() + 1), piece);
        break;
      }
      case 6: {  // a digit run (numbers near and past the limits)
        static const char* kNumbers[] = {"0",
                                         "-1",
                                         "1e308",
                                         "1e309",
                                         "-0",
                                         "9223372036854775807",
                                         "9223372036854775808",
                                         "18446744073709551616",
                                         "0.5",
                                         "nan",
                                         "inf",
                                         "4294967296",
                                         "65537",
                                         "2147483648"};
        const std::string number = kNumbers[Below(std::size(kNumbers))];
        const size_t at = Below(b.size() + 1);
        b.replace(at, std::min<size_t>(Below(8), b.size() - at), number);
        break;
      }
      default: {  // splice with another input
        const std::string& other = inputs[Below(inputs.size())].bytes;
        b = b.substr(0, Below(b.size() + 1)) + other.substr(Below(other.size() + 1));
        break;
      }
    }
  }

  std::mt19937 rng_;
};

}  // namespace

int main(int argc, char** argv) {
  size_t mutations = 20000;
  uint32_t seed = 1;
  std::vector<Input> inputs;
  const std::string program = std::filesystem::path(argv[0]).filename().string();
  crash_file = "fuzz-replay-crash-" + program;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--mutations=", 0) == 0) {
      mutations = std::strtoull(arg.c_str() + 12, nullptr, 10);
      continue;
    }
    if (arg.rfind("--seed=", 0) == 0) {
      seed = static_cast<uint32_t>(std::strtoul(arg.c_str() + 7, nullptr, 10));
      continue;
    }
    std::error_code error;
    if (std::filesystem::is_directory(arg, error)) {
      std::vector<std::filesystem::path> files;
      for (const auto& entry : std::filesystem::directory_iterator(arg)) {
        if (entry.is_regular_file()) files.push_back(entry.path());
      }
      std::sort(files.begin(), files.end());
      for (const auto& file : files) inputs.push_back({file.string(), ReadFile(file)});
    } else if (std::filesystem::is_regular_file(arg, error)) {
      inputs.push_back({arg, ReadFile(arg)});
    } else {
      std::fprintf(stderr, "replay: %s: no such file or directory\n", arg.c_str());
      return 2;
    }
  }
  if (inputs.empty()) {
    std::fprintf(stderr, "usage: %s [--mutations=N] [--seed=S] CORPUS_DIR_OR_FILE...\n",
                 program.c_str());
    return 2;
  }
  std::set_terminate(OnTerminate);
  for (int signal : {SIGABRT, SIGSEGV, SIGFPE, SIGILL, SIGBUS}) std::signal(signal, OnSignal);
  for (const Input& input : inputs) Run(input.name, input.bytes);
  Mutator mutator(seed);
  for (size_t i = 0; i < mutations; ++i) {
    const std::string bytes = mutator.Mutate(inputs);
    Run("mutation " + std::to_string(i) + " (seed " + std::to_string(seed) + ")", bytes);
  }
  std::printf("replay: %zu corpus files and %zu mutations (seed %u) passed\n", inputs.size(),
              mutations, seed);
  return 0;
}
