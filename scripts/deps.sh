#!/usr/bin/env bash
# Makes sure the Debian packages infercost builds with are installed.
# Sourced by scripts/run and scripts/test. As root it installs what is missing with apt-get;
# otherwise it prints the exact apt-get command and stops.
infercost_packages=(
  cmake ninja-build g++ pkg-config
  libboost-dev libtomlplusplus-dev libfmt-dev libabsl-dev
  libcli11-dev nlohmann-json3-dev libgtest-dev libgmock-dev libbenchmark-dev
)

infercost_ensure_packages() {
  local missing=()
  local package
  for package in "${infercost_packages[@]}"; do
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
  else
    echo "infercost: missing Debian packages. Install them with:" >&2
    echo "  sudo apt-get install -y ${missing[*]}" >&2
    return 1
  fi
}

# Configures (once) and builds the tree in $1 with extra CMake arguments after it.
infercost_build() {
  local build_dir=$1
  shift
  local source_dir
  source_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  if [[ ! -f $build_dir/build.ninja ]]; then
    cmake -G Ninja -S "$source_dir" -B "$build_dir" "$@" || return 1
  fi
  cmake --build "$build_dir" || return 1
}
