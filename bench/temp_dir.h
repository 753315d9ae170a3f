// bench/temp_dir.h — a private temporary directory removed with everything in it (trusted side).
#pragma once

#include <string>

#include <umd/error.h>

namespace umd::bench {

class TempDir {
public:
    /// mkdtemp under $TMPDIR (or /tmp) with the given prefix.
    static Result<TempDir> make(const std::string& prefix);
    TempDir(TempDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
    TempDir& operator=(TempDir&&) = delete;
    ~TempDir();
    const std::string& path() const noexcept { return path_; }

private:
    explicit TempDir(std::string path) : path_(std::move(path)) {}
    std::string path_;
};

}  // namespace umd::bench
