# libpq as this machine has it (Debian: libpq-dev), standing in for Conan
# Center's libpq where no Conan remote can be reached (conan_test.sh's
# profile: [replace_requires] libpq/*: libpq/<version>@system). Same CMake
# names as Conan Center's recipe: PostgreSQL, PostgreSQL::PostgreSQL.
from conan import ConanFile
from conan.tools.gnu import PkgConfig


class SystemLibpq(ConanFile):
    name = "libpq"
    user = "system"
    package_type = "shared-library"
    settings = "os", "arch"

    def package_info(self):
        PkgConfig(self, "libpq").fill_cpp_info(self.cpp_info, is_system=True)
        self.cpp_info.set_property("cmake_file_name", "PostgreSQL")
        self.cpp_info.set_property("cmake_target_name", "PostgreSQL::PostgreSQL")
        self.cpp_info.set_property("pkg_config_name", "libpq")
