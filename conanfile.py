# Conan 2 recipe for riverqueue (the library; the `riverqueue` tool comes with
# the Debian package or a plain CMake build).
#
#   conan create . -s compiler.cppstd=20 --build=missing
#   conan create . -s compiler.cppstd=20 -o "riverqueue/*:with_async=True" --build=missing
#
# The version is read from project(VERSION) in CMakeLists.txt. Dependencies:
# libpq (with OpenSSL, for TLS) and OpenSSL 3 (libcrypto); with_async adds
# Boost >= 1.81 (headers: Asio) for riverqueue::async. The libpqxx driver
# (riverqueue::pqxx) is not packaged here. Where no Conan remote is reachable,
# a profile can take libpq and OpenSSL from the system instead
# (tests/packaging/conan_test.sh does: docs/packaging.md, "Conan").
#
# Consumers: find_package(riverqueue CONFIG REQUIRED) and riverqueue::riverqueue
# (riverqueue::async), as with the CMake package; pkg-config name riverqueue.
import os
import re

from conan import ConanFile
from conan.tools.build import check_min_cppstd
from conan.tools.cmake import CMake, CMakeDeps, CMakeToolchain, cmake_layout
from conan.tools.files import load, rmdir

required_conan_version = ">=2.0"


class RiverqueueConan(ConanFile):
    name = "riverqueue"
    description = "C++20 client for River, the PostgreSQL job queue for Go: inserts jobs as River Go does, works them, migrates River's schema"
    topics = ("river", "postgresql", "job-queue", "queue")
    package_type = "library"
    settings = "os", "arch", "compiler", "build_type"
    options = {
        "shared": [True, False],
        "fPIC": [True, False],
        "with_async": [True, False],
    }
    default_options = {
        "shared": False,
        "fPIC": True,
        "with_async": False,
        # TLS to PostgreSQL (sslmode=verify-full and the like) needs a libpq
        # built with OpenSSL.
        "libpq/*:with_openssl": True,
    }
    # What the library's build reads; tests, tools, examples and benchmarks are not built.
    exports_sources = ("CMakeLists.txt", "cmake/*", "include/*", "src/*")

    def set_version(self):
        if self.version:
            return
        text = load(self, os.path.join(self.recipe_folder, "CMakeLists.txt"))
        match = re.search(r"^project\(riverqueue\s+VERSION\s+(\d+\.\d+\.\d+)", text, re.MULTILINE)
        if not match:
            raise ValueError("no project(riverqueue VERSION X.Y.Z) in CMakeLists.txt")
        self.version = match.group(1)

    def config_options(self):
        if self.settings.os == "Windows":
            del self.options.fPIC

    def configure(self):
        if self.options.shared:
            self.options.rm_safe("fPIC")

    def layout(self):
        cmake_layout(self)

    def requirements(self):
        self.requires("libpq/[>=15 <18]")
        self.requires("openssl/[>=3 <4]")
        if self.options.with_async:
            # <riverqueue/async_client.hpp> includes Asio's headers.
            self.requires("boost/[>=1.81 <2]", transitive_headers=True)

    def validate(self):
        check_min_cppstd(self, 20)

    def generate(self):
        toolchain = CMakeToolchain(self)
        toolchain.cache_variables["RIVERQUEUE_BUILD_TESTS"] = False
        toolchain.cache_variables["RIVERQUEUE_BUILD_TOOLS"] = False
        toolchain.cache_variables["RIVERQUEUE_BUILD_EXAMPLES"] = False
        # Only the components this package declares: riverqueue::pqxx never,
        # riverqueue::async only with with_async, whatever the build machine
        # has installed.
        toolchain.cache_variables["RIVERQUEUE_ENABLE_PQXX"] = False
        toolchain.cache_variables["RIVERQUEUE_ENABLE_ASYNC"] = bool(self.options.with_async)
        toolchain.generate()
        CMakeDeps(self).generate()

    def build(self):
        cmake = CMake(self)
        cmake.configure()
        cmake.build()

    def package(self):
        CMake(self).install()
        # Conan writes consumers' CMake and pkg-config files itself (CMakeDeps,
        # PkgConfigDeps) from package_info; the installed ones name paths of
        # this build.
        rmdir(self, os.path.join(self.package_folder, "lib", "cmake"))
        rmdir(self, os.path.join(self.package_folder, "lib", "pkgconfig"))

    def package_info(self):
        self.cpp_info.set_property("cmake_file_name", "riverqueue")
        self.cpp_info.set_property("pkg_config_name", "riverqueue-all")

        core = self.cpp_info.components["core"]
        core.set_property("cmake_target_name", "riverqueue::riverqueue")
        core.set_property("pkg_config_name", "riverqueue")
        core.libs = ["riverqueue"]
        core.requires = ["libpq::libpq", "openssl::crypto"]

        if self.options.with_async:
            asynchronous = self.cpp_info.components["async"]
            asynchronous.set_property("cmake_target_name", "riverqueue::async")
            asynchronous.set_property("pkg_config_name", "riverqueue-async")
            asynchronous.libs = ["riverqueue_async"]
            asynchronous.requires = ["core", "boost::headers"]
            if self.settings.os in ("Linux", "FreeBSD"):
                asynchronous.system_libs = ["pthread"]
