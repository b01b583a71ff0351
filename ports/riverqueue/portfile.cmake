# vcpkg overlay port for riverqueue, built from this source tree (the port
# lives in it, two levels down), so no download is needed:
#   vcpkg install riverqueue --overlay-ports=<this repository>/ports
#   vcpkg install "riverqueue[async,pqxx,tools]" --overlay-ports=<this repository>/ports
# In a manifest project: "dependencies": ["riverqueue"] and
# "vcpkg-configuration": {"overlay-ports": ["<this repository>/ports"]}.
# Consumers: find_package(riverqueue CONFIG REQUIRED [COMPONENTS async pqxx]),
# riverqueue::riverqueue (riverqueue::async, riverqueue::pqxx); pkg-config
# riverqueue. See docs/packaging.md.
get_filename_component(SOURCE_PATH "${CMAKE_CURRENT_LIST_DIR}/../.." ABSOLUTE)

# Each optional component is built when its feature is asked for and never
# otherwise, whatever else the machine holds (RIVERQUEUE_ENABLE_ASYNC/PQXX:
# off, the component is not looked for; RIVERQUEUE_REQUIRE_PQXX: on, a missing
# libpqxx fails the build instead of leaving the driver out); the tool is
# built with the tools feature.
set(options "")
if("async" IN_LIST FEATURES)
  list(APPEND options -DRIVERQUEUE_ENABLE_ASYNC=ON)
else()
  list(APPEND options -DRIVERQUEUE_ENABLE_ASYNC=OFF)
endif()
if("pqxx" IN_LIST FEATURES)
  list(APPEND options -DRIVERQUEUE_ENABLE_PQXX=ON -DRIVERQUEUE_REQUIRE_PQXX=ON)
else()
  list(APPEND options -DRIVERQUEUE_ENABLE_PQXX=OFF)
endif()
if("tools" IN_LIST FEATURES)
  list(APPEND options -DRIVERQUEUE_BUILD_TOOLS=ON)
else()
  list(APPEND options -DRIVERQUEUE_BUILD_TOOLS=OFF)
endif()

vcpkg_cmake_configure(
  SOURCE_PATH "${SOURCE_PATH}"
  OPTIONS
    -DRIVERQUEUE_BUILD_TESTS=OFF
    -DRIVERQUEUE_BUILD_EXAMPLES=OFF
    ${options}
)
vcpkg_cmake_install()
vcpkg_cmake_config_fixup(CONFIG_PATH lib/cmake/riverqueue)
vcpkg_fixup_pkgconfig()
if("tools" IN_LIST FEATURES)
  vcpkg_copy_tools(TOOL_NAMES riverqueue AUTO_CLEAN)
  # The bash completion goes with the tool.
  file(RENAME "${CURRENT_PACKAGES_DIR}/share/bash-completion" "${CURRENT_PACKAGES_DIR}/share/${PORT}/bash-completion")
endif()
file(REMOVE_RECURSE "${CURRENT_PACKAGES_DIR}/debug/include" "${CURRENT_PACKAGES_DIR}/debug/share")

# riverqueue-cpp has no license file yet: the copyright file says so, rather
# than name a license its authors have not chosen.
file(WRITE "${CURRENT_PACKAGES_DIR}/share/${PORT}/copyright"
  "riverqueue-cpp has not been published under a license yet; ask its authors before redistributing it.\n")
