# `conan create`'s check of the package: the project's outside consumer
# (tests/consumer/project, the one the CMake-package and Debian-package tests
# build) against the package, through Conan's CMakeDeps and CMakeToolchain,
# with riverqueue::async when the package has it. Run after the build: the
# consumer computes a unique key, checks riverqueue::version() against the
# package's version, and, when RIVERQUEUE_CONSUMER_DATABASE names a
# PostgreSQL conninfo, migrates a schema of its own there and inserts a job.
import os

from conan import ConanFile
from conan.tools.build import can_run
from conan.tools.cmake import CMake, cmake_layout


class RiverqueueTestPackage(ConanFile):
    settings = "os", "arch", "compiler", "build_type"
    generators = "CMakeDeps", "CMakeToolchain"

    def requirements(self):
        self.requires(self.tested_reference_str)

    def layout(self):
        cmake_layout(self)

    def _components(self):
        return ["async"] if self.dependencies["riverqueue"].options.with_async else []

    def build(self):
        cmake = CMake(self)
        cmake.configure(
            build_script_folder=os.path.join(self.source_folder, os.pardir, "tests", "consumer", "project"),
            variables={
                "RIVERQUEUE_COMPONENTS": ";".join(self._components()),
                "RIVERQUEUE_EXPECTED_VERSION": str(self.dependencies["riverqueue"].ref.version),
            },
        )
        cmake.build()

    def test(self):
        if not can_run(self):
            return
        consumer = os.path.join(self.cpp.build.bindir, "consumer")
        database = os.environ.get("RIVERQUEUE_CONSUMER_DATABASE")
        if database:
            self.run(f'"{consumer}" "{database}" consumer_conan_{os.getpid()}', env="conanrun")
        else:
            self.run(f'"{consumer}"', env="conanrun")
        for component in self._components():
            self.run(f'"{os.path.join(self.cpp.build.bindir, "consumer_" + component)}"', env="conanrun")
