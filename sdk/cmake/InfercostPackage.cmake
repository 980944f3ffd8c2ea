# The installed CMake package and pkg-config files (included once from the top-level
# CMakeLists.txt, after every target exists).
#
#   cmake --install build --prefix /opt/infercost
#
#   /opt/infercost/lib/cmake/infercost/
#     infercostConfig.cmake, infercostConfigVersion.cmake
#     infercostSdkTargets.cmake        infercost::sdk (headers only; needs nothing else)
#     infercostTargets*.cmake          infercost::framework, infercost::registry, infercost::base
#     InfercostPlugin.cmake, plugin.map   infercost_add_plugin()
#   /opt/infercost/lib/pkgconfig/infercost-sdk.pc, infercost.pc
#
# Consumers:
#   find_package(infercost CONFIG REQUIRED COMPONENTS sdk)   # plugin authors: headers only
#   find_package(infercost CONFIG REQUIRED)                  # host tools: sdk + framework
include(CMakePackageConfigHelpers)

set(INFERCOST_INSTALL_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/infercost)
# Headers of framework/ and registry/ go under include/infercost-host/, so that host tools keep
# writing `#include "framework/estimate.h"` exactly as the in-tree code does, without the
# generic names `framework/` and `registry/` landing directly in <prefix>/include.
set(INFERCOST_INSTALL_HOST_INCLUDE_DIR ${CMAKE_INSTALL_INCLUDEDIR}/infercost-host)

install(EXPORT infercostSdkTargets
  NAMESPACE infercost::
  FILE infercostSdkTargets.cmake
  DESTINATION ${INFERCOST_INSTALL_CMAKE_DIR})
install(EXPORT infercostTargets
  NAMESPACE infercost::
  FILE infercostTargets.cmake
  DESTINATION ${INFERCOST_INSTALL_CMAKE_DIR})

# The plugin ABI version the package's headers carry, read from them (one place: abi.h).
file(STRINGS ${CMAKE_CURRENT_LIST_DIR}/../include/infercost/c/abi.h _infercost_abi_lines
     REGEX "^#define INFERCOST_ABI_(MAJOR|MINOR) [0-9]+")
string(REGEX MATCH "MAJOR ([0-9]+)" _ "${_infercost_abi_lines}")
set(INFERCOST_ABI_VERSION ${CMAKE_MATCH_1})
string(REGEX MATCH "MINOR ([0-9]+)" _ "${_infercost_abi_lines}")
string(APPEND INFERCOST_ABI_VERSION ".${CMAKE_MATCH_1}")
configure_package_config_file(
  ${CMAKE_CURRENT_LIST_DIR}/infercostConfig.cmake.in
  ${CMAKE_BINARY_DIR}/package/infercostConfig.cmake
  INSTALL_DESTINATION ${INFERCOST_INSTALL_CMAKE_DIR}
  PATH_VARS INFERCOST_INSTALL_PLUGIN_DIR INFERCOST_INSTALL_PRESET_DIR CMAKE_INSTALL_BINDIR)
# 0.x: a new minor may change the C++ host API (the plugin ABI has its own version, see ABI.md).
write_basic_package_version_file(
  ${CMAKE_BINARY_DIR}/package/infercostConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMinorVersion)
install(FILES
  ${CMAKE_BINARY_DIR}/package/infercostConfig.cmake
  ${CMAKE_BINARY_DIR}/package/infercostConfigVersion.cmake
  ${CMAKE_CURRENT_LIST_DIR}/InfercostPlugin.cmake
  ${CMAKE_CURRENT_LIST_DIR}/plugin.map
  DESTINATION ${INFERCOST_INSTALL_CMAKE_DIR})

# pkg-config: paths relative to the .pc file, so that the prefix can be moved.
file(RELATIVE_PATH INFERCOST_PC_TO_PREFIX
  ${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/pkgconfig ${CMAKE_INSTALL_PREFIX})
string(REGEX REPLACE "/$" "" INFERCOST_PC_TO_PREFIX "${INFERCOST_PC_TO_PREFIX}")
foreach(pc infercost-sdk infercost)
  configure_file(${CMAKE_CURRENT_LIST_DIR}/${pc}.pc.in ${CMAKE_BINARY_DIR}/package/${pc}.pc @ONLY)
  install(FILES ${CMAKE_BINARY_DIR}/package/${pc}.pc
    DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endforeach()
