# CPack: one Debian package, riverqueue_<version>_<arch>.deb, holding what
# `cmake --install` installs: the library and its optional components (static
# archives), the headers, the CMake package, riverqueue.pc, the `riverqueue`
# tool and its bash completion, under /usr.
#   cmake --build build && cpack --config build/CPackConfig.cmake -B OUT_DIR
# (tests/packaging/run.sh builds, installs and uses it.)
#
# Dependencies:
# - Depends, computed by dpkg-shlibdeps from what the installed programs link
#   (the `riverqueue` tool: libpq5, libssl3 for libcrypto, libboost-json1.81.0
#   when Boost.JSON is a shared library, libstdc++6, libc6, libgcc-s1);
# - Depends, added: libpq-dev and libssl-dev, since the static library needs
#   libpq and libcrypto at link time and riverqueueConfig.cmake finds them
#   (find_dependency(PostgreSQL), find_dependency(OpenSSL));
# - Suggests: what the optional parts need: Boost 1.81's headers for
#   riverqueue::async and <riverqueue/json/boost_json.hpp> (with Boost.JSON),
#   libpqxx for riverqueue::pqxx, nlohmann's JSON for <riverqueue/json/nlohmann.hpp>.
set(CPACK_GENERATOR "DEB" CACHE STRING "CPack generators")
set(CPACK_PACKAGE_NAME riverqueue)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}: River's job queue client for C++")
set(CPACK_PACKAGE_DESCRIPTION
  "A C++20 client for River, the PostgreSQL job queue for Go: inserts jobs exactly as River Go's client does (unique keys, notifications, transactions), a worker runtime, River's migrations, and the riverqueue command-line tool. Static library, headers, CMake package (riverqueue::riverqueue) and pkg-config file (riverqueue).")
set(CPACK_PACKAGE_VENDOR "riverqueue-cpp")
set(CPACK_PACKAGE_CONTACT "riverqueue-cpp maintainers")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)  # the tool; static archives are left as they are
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libpq-dev, libssl-dev")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "libboost1.81-dev, libboost-json1.81-dev, libpqxx-dev, nlohmann-json3-dev")
include(CPack)
