# Runs ports/riverqueue/portfile.cmake without the vcpkg tool, which cannot
# be had where the project is tested (tests/packaging/vcpkg_port_test.sh):
#
#   cmake -DPORT_DIR=ports/riverqueue -DWORK_DIR=DIR -DFEATURES="async;tools"
#         -DLIBRARY_LINKAGE=static|dynamic [-DCONFIGURE_ONLY=ON] -P run_portfile.cmake
# (CONFIGURE_ONLY: stops, with an error saying so, once the build is
# configured, so that the caller can see which targets a feature set builds.)
#
# The portfile is included as vcpkg includes it, with the variables vcpkg
# sets for a port (PORT, FEATURES, CURRENT_PACKAGES_DIR, CURRENT_BUILDTREES_DIR,
# TARGET_TRIPLET, VCPKG_LIBRARY_LINKAGE, VCPKG_BUILD_TYPE) and the helper
# functions it calls, written here to do what vcpkg's documentation says they
# do, for a release-only Linux triplet (VCPKG_BUILD_TYPE release: no debug
# tree to merge):
# - vcpkg_cmake_configure: configures SOURCE_PATH with Ninja, a Release build,
#   CMAKE_INSTALL_PREFIX the package directory, lib and bin as the install's
#   libdir and bindir, BUILD_SHARED_LIBS from the linkage, and OPTIONS;
# - vcpkg_cmake_install: builds and installs;
# - vcpkg_cmake_config_fixup: moves CONFIG_PATH to share/<port>, deletes its
#   parent when it is named cmake and left empty, and corrects the prefix the
#   moved files compute from their own place (_IMPORT_PREFIX in exported
#   targets, PACKAGE_PREFIX_DIR from configure_package_config_file);
# - vcpkg_fixup_pkgconfig: prefix=${pcfiledir}/<back to the package root>,
#   and fails when a .pc still names the package directory;
# - vcpkg_copy_tools(TOOL_NAMES ... AUTO_CLEAN): moves bin/<tool> to
#   tools/<port>/, deletes bin when it is left empty.
# After the portfile, the checks vcpkg makes of every package that apply
# here: a copyright file in share/<port>, no debug/include or debug/share, no
# bin directory in a static package, no empty directory, and no installed
# file naming the package directory (a package must be relocatable).
# Dependencies are the system's (Debian's libpq, OpenSSL, Boost, CLI11,
# libpqxx), as vcpkg's own ports cannot be downloaded here.
cmake_minimum_required(VERSION 3.21)

foreach(required PORT_DIR WORK_DIR LIBRARY_LINKAGE)
  if(NOT DEFINED ${required})
    message(FATAL_ERROR "run_portfile.cmake: -D${required}=... is required")
  endif()
endforeach()
if(NOT LIBRARY_LINKAGE MATCHES "^(static|dynamic)$")
  message(FATAL_ERROR "run_portfile.cmake: LIBRARY_LINKAGE is static or dynamic, not ${LIBRARY_LINKAGE}")
endif()

set(PORT riverqueue)
set(TARGET_TRIPLET x64-linux)
if(LIBRARY_LINKAGE STREQUAL "dynamic")
  set(TARGET_TRIPLET x64-linux-dynamic)
endif()
set(VCPKG_TARGET_ARCHITECTURE x64)
set(VCPKG_CMAKE_SYSTEM_NAME Linux)
set(VCPKG_TARGET_IS_LINUX ON)
set(VCPKG_CRT_LINKAGE dynamic)
set(VCPKG_LIBRARY_LINKAGE ${LIBRARY_LINKAGE})
set(VCPKG_BUILD_TYPE release)
set(CURRENT_PACKAGES_DIR "${WORK_DIR}/packages/${PORT}_${TARGET_TRIPLET}")
set(CURRENT_BUILDTREES_DIR "${WORK_DIR}/buildtrees/${PORT}")
file(REMOVE_RECURSE "${CURRENT_PACKAGES_DIR}" "${CURRENT_BUILDTREES_DIR}")
file(MAKE_DIRECTORY "${CURRENT_PACKAGES_DIR}" "${CURRENT_BUILDTREES_DIR}")

# The features asked for must be ones the port's vcpkg.json declares.
file(READ "${PORT_DIR}/vcpkg.json" manifest)
string(JSON manifest_name GET "${manifest}" name)
if(NOT manifest_name STREQUAL PORT)
  message(FATAL_ERROR "${PORT_DIR}/vcpkg.json names the port ${manifest_name}, not ${PORT}")
endif()
foreach(feature IN LISTS FEATURES)
  string(JSON description ERROR_VARIABLE error GET "${manifest}" features ${feature} description)
  if(error)
    message(FATAL_ERROR "feature ${feature} is not in ${PORT_DIR}/vcpkg.json: ${error}")
  endif()
endforeach()
list(PREPEND FEATURES core)

set(z_release_dir "${CURRENT_BUILDTREES_DIR}/${TARGET_TRIPLET}-rel")

function(z_run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "${ARGN}\nfailed (${status}):\n${out}")
  endif()
endfunction()

function(vcpkg_cmake_configure)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "SOURCE_PATH" "OPTIONS;OPTIONS_RELEASE;MAYBE_UNUSED_VARIABLES")
  if(arg_UNPARSED_ARGUMENTS OR NOT arg_SOURCE_PATH)
    message(FATAL_ERROR "vcpkg_cmake_configure(SOURCE_PATH ... OPTIONS ...): ${ARGN}")
  endif()
  set(shared OFF)
  if(VCPKG_LIBRARY_LINKAGE STREQUAL "dynamic")
    set(shared ON)
  endif()
  message(STATUS "vcpkg_cmake_configure: ${arg_OPTIONS} ${arg_OPTIONS_RELEASE}")
  z_run(${CMAKE_COMMAND} -S "${arg_SOURCE_PATH}" -B "${z_release_dir}" -G Ninja
    -DCMAKE_BUILD_TYPE=Release "-DCMAKE_INSTALL_PREFIX=${CURRENT_PACKAGES_DIR}"
    -DCMAKE_INSTALL_LIBDIR:STRING=lib -DCMAKE_INSTALL_BINDIR:STRING=bin
    -DBUILD_SHARED_LIBS=${shared} -DCMAKE_EXPORT_NO_PACKAGE_REGISTRY=ON
    -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON -DFETCHCONTENT_FULLY_DISCONNECTED=ON
    ${arg_OPTIONS} ${arg_OPTIONS_RELEASE})
  if(CONFIGURE_ONLY)
    # cmake -P on CMake 3.25 cannot end a script early with success: the
    # caller expects this error and reads the build tree.
    message(FATAL_ERROR "CONFIGURE_ONLY: stopped after vcpkg_cmake_configure (${z_release_dir})")
  endif()
endfunction()

function(vcpkg_cmake_install)
  z_run(${CMAKE_COMMAND} --build "${z_release_dir}" --target install --parallel 2)
endfunction()

function(vcpkg_cmake_config_fixup)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "CONFIG_PATH;PACKAGE_NAME" "")
  if(NOT arg_PACKAGE_NAME)
    set(arg_PACKAGE_NAME ${PORT})
  endif()
  set(from "${CURRENT_PACKAGES_DIR}/${arg_CONFIG_PATH}")
  set(to "${CURRENT_PACKAGES_DIR}/share/${arg_PACKAGE_NAME}")
  if(NOT IS_DIRECTORY "${from}")
    message(FATAL_ERROR "vcpkg_cmake_config_fixup: ${arg_CONFIG_PATH} does not exist in the package")
  endif()
  if(NOT from STREQUAL to)
    file(GLOB files "${from}/*")
    file(MAKE_DIRECTORY "${to}")
    foreach(file IN LISTS files)
      get_filename_component(name "${file}" NAME)
      file(RENAME "${file}" "${to}/${name}")
    endforeach()
    file(REMOVE_RECURSE "${from}")  # emptied above
    get_filename_component(parent "${from}" DIRECTORY)
    get_filename_component(parent_name "${parent}" NAME)
    file(GLOB left "${parent}/*")
    if(parent_name STREQUAL "cmake" AND NOT left)
      file(REMOVE_RECURSE "${parent}")
    endif()
  endif()
  # From share/<name>/ the package root is two directories up.
  file(GLOB configs "${to}/*.cmake")
  foreach(config IN LISTS configs)
    file(READ "${config}" text)
    string(REGEX REPLACE
      "get_filename_component\\(_IMPORT_PREFIX \"\\\${CMAKE_CURRENT_LIST_FILE}\" PATH\\)(\nget_filename_component\\(_IMPORT_PREFIX \"\\\${_IMPORT_PREFIX}\" PATH\\))*"
      "get_filename_component(_IMPORT_PREFIX \"\${CMAKE_CURRENT_LIST_FILE}\" PATH)\nget_filename_component(_IMPORT_PREFIX \"\${_IMPORT_PREFIX}\" PATH)\nget_filename_component(_IMPORT_PREFIX \"\${_IMPORT_PREFIX}\" PATH)"
      text "${text}")
    string(REGEX REPLACE
      "get_filename_component\\(PACKAGE_PREFIX_DIR \"\\\${CMAKE_CURRENT_LIST_DIR}/[./]*\" ABSOLUTE\\)"
      "get_filename_component(PACKAGE_PREFIX_DIR \"\${CMAKE_CURRENT_LIST_DIR}/../../\" ABSOLUTE)"
      text "${text}")
    file(WRITE "${config}" "${text}")
  endforeach()
endfunction()

function(vcpkg_fixup_pkgconfig)
  file(GLOB_RECURSE pcs "${CURRENT_PACKAGES_DIR}/*.pc")
  foreach(pc IN LISTS pcs)
    get_filename_component(pc_dir "${pc}" DIRECTORY)
    file(RELATIVE_PATH back "${pc_dir}" "${CURRENT_PACKAGES_DIR}")
    string(REGEX REPLACE "/$" "" back "${back}")
    file(READ "${pc}" text)
    string(REGEX REPLACE "(^|\n)prefix=[^\n]*" "\\1prefix=\${pcfiledir}/${back}" text "${text}")
    string(FIND "${text}" "${CURRENT_PACKAGES_DIR}" at)
    if(NOT at EQUAL -1)
      message(FATAL_ERROR "vcpkg_fixup_pkgconfig: ${pc} names the package directory:\n${text}")
    endif()
    file(WRITE "${pc}" "${text}")
  endforeach()
endfunction()

function(vcpkg_copy_tools)
  cmake_parse_arguments(PARSE_ARGV 0 arg "AUTO_CLEAN" "" "TOOL_NAMES")
  file(MAKE_DIRECTORY "${CURRENT_PACKAGES_DIR}/tools/${PORT}")
  foreach(tool IN LISTS arg_TOOL_NAMES)
    if(NOT EXISTS "${CURRENT_PACKAGES_DIR}/bin/${tool}")
      message(FATAL_ERROR "vcpkg_copy_tools: the package has no bin/${tool}")
    endif()
    file(RENAME "${CURRENT_PACKAGES_DIR}/bin/${tool}" "${CURRENT_PACKAGES_DIR}/tools/${PORT}/${tool}")
  endforeach()
  file(GLOB left "${CURRENT_PACKAGES_DIR}/bin/*")
  if(arg_AUTO_CLEAN AND NOT left)
    file(REMOVE_RECURSE "${CURRENT_PACKAGES_DIR}/bin")
  endif()
endfunction()

include("${PORT_DIR}/portfile.cmake")

# vcpkg's checks of the finished package.
set(problems "")
if(NOT EXISTS "${CURRENT_PACKAGES_DIR}/share/${PORT}/copyright")
  string(APPEND problems "no share/${PORT}/copyright\n")
endif()
foreach(dir debug/include debug/share)
  if(EXISTS "${CURRENT_PACKAGES_DIR}/${dir}")
    string(APPEND problems "${dir} is left\n")
  endif()
endforeach()
if(VCPKG_LIBRARY_LINKAGE STREQUAL "static" AND EXISTS "${CURRENT_PACKAGES_DIR}/bin")
  string(APPEND problems "a static package has bin/ (tools go to tools/${PORT})\n")
endif()
file(GLOB_RECURSE everything LIST_DIRECTORIES true "${CURRENT_PACKAGES_DIR}/*")
foreach(path IN LISTS everything)
  if(IS_DIRECTORY "${path}")
    file(GLOB inside "${path}/*")
    if(NOT inside)
      string(APPEND problems "empty directory ${path}\n")
    endif()
  elseif(NOT path MATCHES "\\.(a|so)(\\.[0-9.]+)?$" AND NOT path MATCHES "/tools/")
    file(STRINGS "${path}" naming REGEX "${CURRENT_PACKAGES_DIR}")
    if(naming)
      string(APPEND problems "${path} names the package directory: ${naming}\n")
    endif()
  endif()
endforeach()
if(problems)
  message(FATAL_ERROR "the package ${CURRENT_PACKAGES_DIR} fails vcpkg's checks:\n${problems}")
endif()
message(STATUS "packaged ${PORT}[${FEATURES}]:${TARGET_TRIPLET} into ${CURRENT_PACKAGES_DIR}")
