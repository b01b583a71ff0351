# Install rules and the CMake package: riverqueue::riverqueue, and the
# optional components riverqueue::async and riverqueue::pqxx when built.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS riverqueue EXPORT riverqueueTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
# An optional component's header is installed only with its library.
set(riverqueue_headers_left_out)
if(NOT TARGET riverqueue_async)
  list(APPEND riverqueue_headers_left_out PATTERN async_client.hpp EXCLUDE)
endif()
if(NOT TARGET riverqueue_pqxx)
  list(APPEND riverqueue_headers_left_out PATTERN pqxx.hpp EXCLUDE)
endif()
install(DIRECTORY include/riverqueue DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} ${riverqueue_headers_left_out})
install(EXPORT riverqueueTargets NAMESPACE riverqueue::
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/riverqueue)

# Each optional component has an export set of its own, so that the package
# still loads where its dependency is missing (the component is then absent):
#   async: riverqueue::async, the asynchronous client (Boost 1.81, Threads)
#   pqxx:  riverqueue::pqxx, the libpqxx driver (libpqxx, through pkg-config)
# riverqueueConfig.cmake finds each component's dependencies and includes its
# riverqueue<Component>Targets.cmake.
foreach(component async pqxx)
  if(TARGET riverqueue_${component})
    string(SUBSTRING ${component} 0 1 first)
    string(SUBSTRING ${component} 1 -1 rest)
    string(TOUPPER ${first} first)
    install(TARGETS riverqueue_${component} EXPORT riverqueue${first}${rest}Targets
      ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
      LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
      RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
      INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
    install(EXPORT riverqueue${first}${rest}Targets NAMESPACE riverqueue::
      DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/riverqueue)
  endif()
endforeach()

configure_package_config_file(cmake/riverqueueConfig.cmake.in
  ${PROJECT_BINARY_DIR}/riverqueueConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/riverqueue)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/riverqueueConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/riverqueueConfig.cmake
  ${PROJECT_BINARY_DIR}/riverqueueConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/riverqueue)

# <riverqueue/version.hpp>, generated from project(VERSION) (src/CMakeLists.txt).
install(FILES ${PROJECT_BINARY_DIR}/include/riverqueue/version.hpp
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/riverqueue)

# riverqueue.pc for builds without CMake (`pkg-config --cflags --libs
# riverqueue`; the headers need -std=c++20). It is written at install time,
# so that its prefix is the one installed to: `cmake --install --prefix DIR`,
# or /usr in the Debian package. A static riverqueue needs libpq and libcrypto
# whenever it is linked (Requires); a shared one only for static links
# (Requires.private). The optional components are CMake-only.
get_target_property(riverqueue_type riverqueue TYPE)
if(riverqueue_type STREQUAL "STATIC_LIBRARY")
  set(RIVERQUEUE_PC_REQUIRES "")
else()
  set(RIVERQUEUE_PC_REQUIRES ".private")
endif()
foreach(dir LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${dir}}")
    set(RIVERQUEUE_PC_${dir} "${CMAKE_INSTALL_${dir}}")
  else()
    set(RIVERQUEUE_PC_${dir} "\${prefix}/${CMAKE_INSTALL_${dir}}")
  endif()
endforeach()
set(RIVERQUEUE_PC_PREFIX "@RIVERQUEUE_PC_PREFIX@")  # left for install time
configure_file(cmake/riverqueue.pc.in ${PROJECT_BINARY_DIR}/pkgconfig/riverqueue.pc.in @ONLY)
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(riverqueue_pc_destination "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
else()
  set(riverqueue_pc_destination "\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/pkgconfig")
endif()
# One file per install prefix and DESTDIR: installs to two prefixes may run at once.
install(CODE "
set(RIVERQUEUE_PC_PREFIX \"\${CMAKE_INSTALL_PREFIX}\")
string(MD5 riverqueue_pc_dir \"\$ENV{DESTDIR}|\${CMAKE_INSTALL_PREFIX}\")
set(riverqueue_pc \"${PROJECT_BINARY_DIR}/pkgconfig/\${riverqueue_pc_dir}/riverqueue.pc\")
configure_file(\"${PROJECT_BINARY_DIR}/pkgconfig/riverqueue.pc.in\" \"\${riverqueue_pc}\" @ONLY)
file(INSTALL DESTINATION \"${riverqueue_pc_destination}\" TYPE FILE FILES \"\${riverqueue_pc}\")
")

include(${CMAKE_CURRENT_LIST_DIR}/packaging.cmake)
