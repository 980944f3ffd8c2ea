#!/usr/bin/env bash
# Makes sure the Debian packages infercost builds with are installed, and configures + builds a
# build directory. Sourced by scripts/run, scripts/test and scripts/sanitize.
#
# As root, infercost_ensure_packages installs what is missing with apt-get; otherwise it prints
# the exact apt-get command and stops.
infercost_packages=(
  cmake ninja-build g++ pkg-config
  libboost-dev libtomlplusplus-dev libfmt-dev libabsl-dev
  libcli11-dev nlohmann-json3-dev libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-dev pybind11-dev python3-pytest
  libcpp-httplib-dev libjs-chart.js chromium
)

# The flags of the RelWithDebInfo builds of scripts/test and scripts/sanitize: debug information
# as line tables only (-g1). Backtraces, gdb and the sanitizers' reports keep file and line; the
# test build takes a quarter of the disk of full -g (0.6 GB instead of 2.3 GB: every test program
# links its own copy; a CI machine short of disk failed there with "No space left on device").
infercost_line_tables=(
  "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG"
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG"
)

# infercost_ensure_packages [extra packages...]
infercost_ensure_packages() {
  local missing=()
  local package
  for package in "${infercost_packages[@]}" "$@"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$package")
    fi
  done
  if ((${#missing[@]} == 0)); then
    return 0
  fi
  if [[ $(id -u) -eq 0 ]]; then
    echo "infercost: installing missing Debian packages: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y --no-install-recommends "${missing[@]}"; then
      apt-get update && apt-get install -y --no-install-recommends "${missing[@]}" || return 1
    fi
    # The downloaded packages are installed now: their copies (chromium's alone ~100 MB) go.
    apt-get clean
  else
    echo "infercost: missing Debian packages. Install them with:" >&2
    echo "  sudo apt-get install -y ${missing[*]}" >&2
    return 1
  fi
}

# infercost_build BUILD_DIR [cmake arguments...]
# Configures BUILD_DIR with exactly these arguments and builds it. A directory configured before
# with other arguments (another build type, -Werror on or off, another compiler) is configured
# again from a clean cache, so every command gets the configuration it asks for.
infercost_build() {
  local build_dir=$1
  shift
  local source_dir
  source_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  local wanted="source=$source_dir args=$* cc=${CC:-} cxx=${CXX:-} cflags=${CFLAGS:-} cxxflags=${CXXFLAGS:-} ldflags=${LDFLAGS:-}"
  local stamp=$build_dir/.infercost-configure-args
  if [[ ! -f $build_dir/build.ninja || ! -f $stamp || "$(cat "$stamp")" != "$wanted" ]]; then
    if [[ -f $build_dir/CMakeCache.txt ]]; then
      echo "infercost: $build_dir was configured with other arguments; configuring it again" >&2
      rm -f "$build_dir/CMakeCache.txt" "$stamp"
      rm -rf "$build_dir/CMakeFiles"
    fi
    cmake -G Ninja -S "$source_dir" -B "$build_dir" "$@" || return 1
    printf '%s' "$wanted" >"$stamp"
  fi
  cmake --build "$build_dir" || return 1
}
