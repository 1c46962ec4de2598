# lrsweep_add_test(NAME SOURCES src... [LIBS lib...])
# Adds one GoogleTest executable and registers each of its tests with CTest.
# Tests run from the source tree root so that they can open tests/golden/ and
# examples/ by relative path.
function(lrsweep_add_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gtest GTest::gmock GTest::gtest_main)
  gtest_discover_tests(${name}
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    DISCOVERY_TIMEOUT 60)
endfunction()
