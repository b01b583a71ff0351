# Warnings and sanitizers for every target of this project (not for consumers).
add_library(riverqueue_project_options INTERFACE)
target_compile_options(riverqueue_project_options INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor
  -Wold-style-cast -Wcast-align -Wimplicit-fallthrough)
# GCC 12 at -O2 reports Asio's coroutine frames (awaitable_frame_base's sized
# operator delete) as a mismatched new/delete: a false positive of that
# compiler, fixed in GCC 13.
# GCC 12 at -O3 (Release) also reports `"literal" + std::string` and similar
# std::string concatenations as overlapping memcpy calls (-Wrestrict): GCC bug
# 105329, fixed in GCC 13.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(riverqueue_project_options INTERFACE -Wno-mismatched-new-delete -Wno-restrict)
endif()
if(RIVERQUEUE_WARNINGS_AS_ERRORS)
  target_compile_options(riverqueue_project_options INTERFACE -Werror)
endif()
if(RIVERQUEUE_SANITIZE)
  target_compile_options(riverqueue_project_options INTERFACE
    -fsanitize=${RIVERQUEUE_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(riverqueue_project_options INTERFACE -fsanitize=${RIVERQUEUE_SANITIZE})
endif()
