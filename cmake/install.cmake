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
