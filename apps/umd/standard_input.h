// apps/umd/standard_input.h — `-` on the command line: standard input, copied once
// into memory-backed storage (trusted side).
//
// A package is read twice (once for its headers, once for its payload's digest) and a
// keyring is opened by path, so standard input, which may be a pipe, is first copied
// into a memfd. The copy is then opened by path (/proc/self/fd/N: each open reads it
// from its start) or handed to umdd as a descriptor, like any file.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include <umd/error.h>
#include <umd/unique_fd.h>

namespace umd::cli {

/// Copies standard input into a new memfd: at most `limit` bytes (Errc::bad_input
/// beyond), Errc::io when it cannot be read.
Result<UniqueFd> copy_standard_input(std::uint64_t limit);

/// The largest package or keyring `-` stands for (2 GiB): the copy lives in memory.
inline constexpr std::uint64_t max_standard_input = 2ull << 30;

/// `-` among a command's file arguments. Names stay as the user gave them (verdicts
/// say `-`); what is opened is path_for()'s answer.
class StandardInput {
public:
    /// Refuses more than one `-` among the lists: standard input can be read once.
    static Status at_most_once(std::initializer_list<const std::vector<std::string>*> lists);
    /// `arg` itself, or for `-` a path to the copy of standard input (made on the first
    /// call, at most `limit` bytes; later calls give the same copy).
    Result<std::string> path_for(const std::string& arg, std::uint64_t limit = max_standard_input);

    /// For commands that take keyrings and packages: at most one `-` among them; a
    /// keyring's `-` is replaced in place (keyrings are opened by path), a package's
    /// name stays and `sources` gets the path to open for each package.
    Status resolve(std::vector<std::string>& keyrings, const std::vector<std::string>& packages,
                   std::vector<std::string>& sources);

private:
    UniqueFd copy_;
};

}  // namespace umd::cli
