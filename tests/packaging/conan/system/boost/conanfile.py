# Boost's headers as this machine has them (Debian: libboost1.81-dev),
# standing in for Conan Center's boost where no Conan remote can be reached
# (conan_test.sh's profile: [replace_requires] boost/*: boost/<version>@system).
# Only what riverqueue::async uses: the component headers, Boost::headers.
from conan import ConanFile


class SystemBoost(ConanFile):
    name = "boost"
    user = "system"
    package_type = "header-library"

    def package_info(self):
        self.cpp_info.set_property("cmake_file_name", "Boost")
        headers = self.cpp_info.components["headers"]
        headers.set_property("cmake_target_name", "Boost::headers")
        headers.includedirs = ["/usr/include"]
        headers.libdirs = []
        headers.bindirs = []
        self.cpp_info.includedirs = []
        self.cpp_info.libdirs = []
        self.cpp_info.bindirs = []
