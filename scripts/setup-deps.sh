#!/usr/bin/env bash
# Installs the Debian 12 packages listed in scripts/deps/*.txt that are missing.
# Usage: scripts/setup-deps.sh [--fuzz]   (--fuzz adds clang-19, libFuzzer and llvm-19,
#                                          whose llvm-symbolizer names the frames of a crash)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
lists=("$here"/deps/*.txt)
wanted=$(grep -hv '^\s*#' "${lists[@]}" | awk 'NF {print $1}' | sort -u)
if [ "${1:-}" = "--fuzz" ]; then
  wanted+=$'\nclang-19\nlibclang-rt-19-dev\nllvm-19'
fi
missing=()
count=0
for pkg in $wanted; do
  count=$((count + 1))
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup-deps: all $count packages present"
  exit 0
fi
echo "setup-deps: installing ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
