# The version is written once, in project(VERSION) (top-level CMakeLists.txt);
# what must repeat it is checked here:
#   cmake -DVERSION=X.Y.Z -DSOURCE_DIR=... -P check_version.cmake
# - CHANGELOG.md: its newest version's section, the first "## [X.Y.Z]" heading
#   (after "## [Unreleased]", when there is one);
# - ports/riverqueue/vcpkg.json: "version" (vcpkg reads no CMake).
# (The Conan recipe reads project(VERSION) itself; the Debian package, the
# CLI's --version and riverqueue::version() are made from it.)
if(NOT VERSION MATCHES "^[0-9]+\\.[0-9]+\\.[0-9]+$")
  message(FATAL_ERROR "project(VERSION) is \"${VERSION}\", not MAJOR.MINOR.PATCH")
endif()

file(STRINGS "${SOURCE_DIR}/CHANGELOG.md" headings REGEX "^## ")
# Changes not yet in a version come first, under "## [Unreleased]"; the
# first numbered section after it is the newest version.
list(LENGTH headings count)
if(count EQUAL 0)
  message(FATAL_ERROR "CHANGELOG.md has no \"## \" section")
endif()
list(GET headings 0 newest)
if(newest MATCHES "^## \\[Unreleased\\]")
  if(count LESS 2)
    message(FATAL_ERROR "CHANGELOG.md has an Unreleased section and no version after it")
  endif()
  list(GET headings 1 newest)
endif()
if(NOT newest MATCHES "^## \\[([0-9]+\\.[0-9]+\\.[0-9]+)\\]")
  message(FATAL_ERROR "CHANGELOG.md: the newest version's section, \"${newest}\", is not \"## [MAJOR.MINOR.PATCH] ...\"")
endif()
if(NOT CMAKE_MATCH_1 STREQUAL VERSION)
  message(FATAL_ERROR "CHANGELOG.md's newest version is ${CMAKE_MATCH_1}; project(VERSION) is ${VERSION}")
endif()
foreach(heading IN LISTS headings)
  if(heading MATCHES "^## \\[Unreleased\\]" AND NOT heading STREQUAL "## [Unreleased]")
    message(FATAL_ERROR "CHANGELOG.md: \"${heading}\": Unreleased takes no date or version")
  endif()
endforeach()
list(FILTER headings INCLUDE REGEX "^## \\[Unreleased\\]")
list(LENGTH headings unreleased)
if(unreleased GREATER 1)
  message(FATAL_ERROR "CHANGELOG.md has ${unreleased} Unreleased sections")
endif()

file(READ "${SOURCE_DIR}/ports/riverqueue/vcpkg.json" manifest)
string(JSON port_version ERROR_VARIABLE error GET "${manifest}" version)
if(error)
  message(FATAL_ERROR "ports/riverqueue/vcpkg.json: no \"version\": ${error}")
endif()
if(NOT port_version STREQUAL VERSION)
  message(FATAL_ERROR "ports/riverqueue/vcpkg.json says ${port_version}; project(VERSION) is ${VERSION}")
endif()
message(STATUS "version ${VERSION}: CHANGELOG.md and ports/riverqueue/vcpkg.json agree")
