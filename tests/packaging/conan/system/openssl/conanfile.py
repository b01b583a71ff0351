# OpenSSL 3 as this machine has it (Debian: libssl-dev), standing in for
# Conan Center's openssl where no Conan remote can be reached (conan_test.sh's
# profile: [replace_requires] openssl/*: openssl/<version>@system). Same CMake
# names as Conan Center's recipe: OpenSSL, OpenSSL::Crypto, OpenSSL::SSL.
from conan import ConanFile
from conan.tools.gnu import PkgConfig


class SystemOpenssl(ConanFile):
    name = "openssl"
    user = "system"
    package_type = "shared-library"
    settings = "os", "arch"

    def package_info(self):
        self.cpp_info.set_property("cmake_file_name", "OpenSSL")
        self.cpp_info.set_property("cmake_find_mode", "both")
        self.cpp_info.set_property("pkg_config_name", "openssl")
        for component, module, target in (("crypto", "libcrypto", "OpenSSL::Crypto"), ("ssl", "libssl", "OpenSSL::SSL")):
            info = self.cpp_info.components[component]
            PkgConfig(self, module).fill_cpp_info(info, is_system=True)
            info.set_property("cmake_target_name", target)
            info.set_property("pkg_config_name", module)
        self.cpp_info.components["ssl"].requires = ["crypto"]
