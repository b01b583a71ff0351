# Checks that the C++ block in README.md is the quickstart example verbatim,
# so that the README shows only code that CI compiles and runs.
file(READ ${README} readme)
file(READ ${EXAMPLE} example)
string(FIND "${readme}" "```cpp\n${example}```" position)
if(position EQUAL -1)
  message(FATAL_ERROR "README.md's C++ example differs from ${EXAMPLE}; paste the file into the README's ```cpp block")
endif()
