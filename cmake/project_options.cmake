# Warnings and sanitizers for every target of this project (not for consumers).
add_library(riverqueue_project_options INTERFACE)
target_compile_options(riverqueue_project_options INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor
  -Wold-style-cast -Wcast-align -Wimplicit-fallthrough)
if(RIVERQUEUE_WARNINGS_AS_ERRORS)
  target_compile_options(riverqueue_project_options INTERFACE -Werror)
endif()
if(RIVERQUEUE_SANITIZE)
  target_compile_options(riverqueue_project_options INTERFACE
    -fsanitize=${RIVERQUEUE_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(riverqueue_project_options INTERFACE -fsanitize=${RIVERQUEUE_SANITIZE})
endif()
