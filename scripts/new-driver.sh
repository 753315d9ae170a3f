#!/usr/bin/env bash
# Starts a new built-in driver from the template: copies drivers/sample/ to
# drivers/NAME/, renames the sample's files and identifiers, and adds the folder
# to drivers/CMakeLists.txt (the one list of built-in drivers). Then write the
# protocol, the handler and the trusted side (docs/writing-a-driver.md).
# Usage: scripts/new-driver.sh NAME      (NAME: lower case letters, digits, _)
set -euo pipefail
cd "$(dirname "$0")/.."

name=${1:-}
if ! [[ $name =~ ^[a-z][a-z0-9_]{0,30}$ ]]; then
  echo "usage: scripts/new-driver.sh NAME   (a C++ identifier in lower case, e.g. elf)" >&2
  exit 2
fi
if [ -e "drivers/$name" ]; then
  echo "new-driver: drivers/$name exists already" >&2
  exit 2
fi

cp -r drivers/sample "drivers/$name"
mv "drivers/$name/trusted/sample.h" "drivers/$name/trusted/$name.h"
mv "drivers/$name/trusted/sample.cpp" "drivers/$name/trusted/$name.cpp"
# Identifiers (umd::sample, umd_sample, umd-sample-handler, sample_loader.h,
# umd_blob_sample_*, "sample") and paths all carry the name in lower case.
find "drivers/$name" -type f -exec sed -i "s/sample/$name/g" {} +
sed -i "s|^add_subdirectory(rpm)$|&\nadd_subdirectory($name)|" drivers/CMakeLists.txt
grep -q "^add_subdirectory($name)$" drivers/CMakeLists.txt || {
  echo "new-driver: could not add add_subdirectory($name) to drivers/CMakeLists.txt; add it by hand" >&2
  exit 3
}
echo "new-driver: drivers/$name is ready; the built-in driver '$name' registers with register_builtin_drivers()"
