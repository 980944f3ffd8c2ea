# Runs infercost-conformance once and checks what it reports (cmake -P script, used by CTest).
#
#   cmake -DRUNNER=<exe> -DPLUGIN=<library> [-DSKIP_FILE=<file>] [-DEXPECT_EXIT=0|1|2]
#         [-DEXPECT_FAIL=a,b] [-DEXPECT_PASS=a,b] [-DEXPECT_SKIP=a,b] [-DEXPECT_ONLY_FAIL=a,b]
#         [-DEXPECT_REASON=<check>=<regex>] [-DEXPECT_CHECK_COUNT=n]
#         [-DEXTRA_ARGS=a,b] [-DSTRIP_SECTION_HEADERS=<python3>;<script>] -P run_conformance.cmake
#
#   cmake -DRUNNER=<exe> -DRAW_ARGS=<a,b> -DEXPECT_EXIT=2 [-DEXPECT_STDOUT=<regex>]
#         [-DEXPECT_STDERR=<regex>] -P run_conformance.cmake
#
# Check-name lists are comma-separated. With PLUGIN the runner is called with --format json and
# the report is parsed with string(JSON): every EXPECT_FAIL name must have status "fail",
# EXPECT_PASS "pass", EXPECT_SKIP "skip"; EXPECT_ONLY_FAIL is the exact set of failing checks.
cmake_minimum_required(VERSION 3.19)

function(fail message)
  message(FATAL_ERROR "${message}\n--- stdout ---\n${out}\n--- stderr ---\n${err}")
endfunction()

if(NOT DEFINED RUNNER)
  message(FATAL_ERROR "RUNNER is required")
endif()
if(NOT DEFINED EXPECT_EXIT)
  set(EXPECT_EXIT 0)
endif()

# ---- raw mode: any arguments, exit status and output regexes ----
if(DEFINED RAW_ARGS)
  string(REPLACE "," ";" args "${RAW_ARGS}")
  execute_process(COMMAND ${RUNNER} ${args} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                  ERROR_VARIABLE err TIMEOUT 600)
  if(NOT rc STREQUAL EXPECT_EXIT)
    fail("infercost-conformance ${RAW_ARGS}: exit status ${rc}, expected ${EXPECT_EXIT}")
  endif()
  if(DEFINED EXPECT_STDOUT AND NOT out MATCHES "${EXPECT_STDOUT}")
    fail("stdout does not match '${EXPECT_STDOUT}'")
  endif()
  if(DEFINED EXPECT_STDERR AND NOT err MATCHES "${EXPECT_STDERR}")
    fail("stderr does not match '${EXPECT_STDERR}'")
  endif()
  message(STATUS "ok: exit ${rc}")
  return()
endif()

# ---- report mode ----
if(NOT DEFINED PLUGIN)
  message(FATAL_ERROR "PLUGIN (or RAW_ARGS) is required")
endif()
if(DEFINED STRIP_SECTION_HEADERS)
  # A copy of the plugin without section headers: symbols must be found via PT_DYNAMIC.
  get_filename_component(name "${PLUGIN}" NAME)
  set(stripped "${CMAKE_CURRENT_BINARY_DIR}/noshdr-${name}")
  execute_process(COMMAND ${STRIP_SECTION_HEADERS} "${PLUGIN}" "${stripped}"
                  RESULT_VARIABLE strip_rc ERROR_VARIABLE err)
  if(NOT strip_rc EQUAL 0)
    fail("could not strip the section headers of ${PLUGIN}")
  endif()
  set(PLUGIN "${stripped}")
endif()
set(command ${RUNNER} --plugin "${PLUGIN}" --format json)
if(DEFINED SKIP_FILE)
  list(APPEND command --skip "${SKIP_FILE}")
endif()
if(DEFINED EXTRA_ARGS)
  string(REPLACE "," ";" extra "${EXTRA_ARGS}")
  list(APPEND command ${extra})
endif()
execute_process(COMMAND ${command} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err
                TIMEOUT 600)

string(JSON count ERROR_VARIABLE json_error LENGTH "${out}" checks)
if(json_error)
  fail("the report is not the expected JSON (${json_error})")
endif()
set(failed_names "")
math(EXPR last "${count} - 1")
foreach(i RANGE ${last})
  string(JSON name GET "${out}" checks ${i} name)
  string(JSON status GET "${out}" checks ${i} status)
  string(JSON reason GET "${out}" checks ${i} reason)
  set(status_${name} "${status}")
  set(reason_${name} "${reason}")
  if(status STREQUAL "fail")
    list(APPEND failed_names "${name}")
  endif()
endforeach()
foreach(key passed failed skipped)
  string(JSON total_${key} GET "${out}" ${key})
endforeach()
math(EXPR sum "${total_passed} + ${total_failed} + ${total_skipped}")
if(NOT sum EQUAL count)
  fail("passed + failed + skipped = ${sum}, but ${count} checks are listed")
endif()

if(NOT rc STREQUAL EXPECT_EXIT)
  fail("exit status ${rc}, expected ${EXPECT_EXIT} (failed checks: ${failed_names})")
endif()
if(DEFINED EXPECT_CHECK_COUNT AND NOT count EQUAL EXPECT_CHECK_COUNT)
  fail("${count} checks reported, expected ${EXPECT_CHECK_COUNT}")
endif()
foreach(kind FAIL PASS SKIP)
  string(TOLOWER "${kind}" wanted)
  string(REPLACE "," ";" names "${EXPECT_${kind}}")
  foreach(name IN LISTS names)
    if(NOT DEFINED status_${name})
      fail("check '${name}' is not in the report")
    endif()
    if(NOT status_${name} STREQUAL wanted)
      fail("check '${name}' is '${status_${name}}', expected '${wanted}': ${reason_${name}}")
    endif()
  endforeach()
endforeach()
if(DEFINED EXPECT_ONLY_FAIL)
  string(REPLACE "," ";" expected "${EXPECT_ONLY_FAIL}")
  list(SORT expected)
  set(actual ${failed_names})
  list(SORT actual)
  if(NOT "${actual}" STREQUAL "${expected}")
    fail("failed checks are '${actual}', expected exactly '${expected}'")
  endif()
endif()
if(DEFINED EXPECT_REASON)
  string(FIND "${EXPECT_REASON}" "=" eq)
  string(SUBSTRING "${EXPECT_REASON}" 0 ${eq} name)
  math(EXPR start "${eq} + 1")
  string(SUBSTRING "${EXPECT_REASON}" ${start} -1 regex)
  if(NOT reason_${name} MATCHES "${regex}")
    fail("reason of '${name}' does not match '${regex}': ${reason_${name}}")
  endif()
endif()
message(STATUS "ok: exit ${rc}; ${total_passed} passed, ${total_failed} failed "
               "(${failed_names}), ${total_skipped} skipped")
