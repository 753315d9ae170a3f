// umd/blob.h — a handler executable held in a sealed anonymous memory file.
//
// The user-space counterpart of the kernel's umd_load_blob()/umd_unload_blob():
// the bytes of a handler (embedded in a loader module) are copied once into a
// memfd, which is then sealed against writing, growing and shrinking, so the
// image that is executed can never change after it was loaded. Nothing touches
// the file system.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include <umd/error.h>
#include <umd/unique_fd.h>

namespace umd {

class Blob {
public:
    /// Copies `image` into a new sealed memfd named `name` (shown in /proc as memfd:<name>).
    /// Errors: invalid_argument for an empty image, system when memfd_create or sealing fails.
    static Result<Blob> load(std::span<const std::uint8_t> image, std::string name);

    /// Reads an executable file into a new Blob (used by `umd run` and tests).
    static Result<Blob> load_file(const std::string& path);

    int fd() const noexcept { return fd_.get(); }
    std::size_t size() const noexcept { return size_; }
    const std::string& name() const noexcept { return name_; }

private:
    Blob(UniqueFd fd, std::size_t size, std::string name) : fd_(std::move(fd)), size_(size), name_(std::move(name)) {}
    UniqueFd fd_;
    std::size_t size_ = 0;
    std::string name_;
};

}  // namespace umd
