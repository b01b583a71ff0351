# Install rules and the CMake package riverqueue::riverqueue.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS riverqueue EXPORT riverqueueTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY include/riverqueue DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT riverqueueTargets NAMESPACE riverqueue::
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/riverqueue)

configure_package_config_file(cmake/riverqueueConfig.cmake.in
  ${PROJECT_BINARY_DIR}/riverqueueConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/riverqueue)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/riverqueueConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/riverqueueConfig.cmake
  ${PROJECT_BINARY_DIR}/riverqueueConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/riverqueue)
