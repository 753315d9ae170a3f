// src/libcrypto/libcrypto.cpp — see libcrypto.h. Trusted side.
#include "src/libcrypto/libcrypto.h"

#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <sys/mman.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <optional>

namespace umd::libcrypto {
namespace {

// The soname and symbol version of the OpenSSL 3 ABI the table's types come from.
constexpr const char* soname = "libcrypto.so.3";
constexpr const char* abi_version = "OPENSSL_3.0.0";

struct State {
    std::once_flag once;
    Functions table;
    std::optional<Error> failure;     // written once, inside the call_once

    std::mutex starting;              // guards the two below
    bool begun = false;               // the load has begun
    std::uint64_t init_options = 0;
};

State& state() noexcept
{
    static State s;
    return s;
}

/// Gives back the pages of libcrypto's loader-only segment: the read-only segment at
/// the start of the file that holds its symbol tables and relocations (788 KB in
/// Debian 12's build). Relocating read all of it, and once the table is filled nothing
/// in this process reads it again, yet its pages would stay resident and count
/// against a one-shot command's peak memory (docs/decisions/0010). They are clean
/// pages of the file, so MADV_DONTNEED only unmaps them; a later symbol lookup
/// (another library loaded against libcrypto) faults them back from the page cache.
/// A libcrypto laid out otherwise (no such segment) is left as it is.
void release_loader_only_pages() noexcept
{
    ::dl_iterate_phdr(
        [](dl_phdr_info* info, std::size_t, void*) -> int {
            if (!info->dlpi_name || !std::strstr(info->dlpi_name, soname)) return 0;
            for (int i = 0; i < info->dlpi_phnum; ++i) {
                const ElfW(Phdr)& ph = info->dlpi_phdr[i];
                if (ph.p_type != PT_LOAD || ph.p_flags != PF_R || ph.p_offset != 0) continue;
                const long page = ::sysconf(_SC_PAGESIZE);
                std::uintptr_t start = info->dlpi_addr + ph.p_vaddr;
                std::uintptr_t end = (start + ph.p_memsz) & ~static_cast<std::uintptr_t>(page - 1);
                if (end > start) (void)::madvise(reinterpret_cast<void*>(start), end - start, MADV_DONTNEED);
            }
            return 1;
        },
        nullptr);
}

std::optional<Error> open_and_look_up(Functions& table, std::uint64_t init_options) noexcept
{
    // RTLD_NOW: every relocation is done here, on the loading thread, not on the first
    // call of each function. The handle is never closed: OpenSSL keeps global state.
    void* handle = ::dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        const char* why = ::dlerror();
        return Error{Errc::system, fmt::format("cannot load {}: {}", soname, why ? why : "unknown error")};
    }
    std::optional<Error> missing;
#define UMD_LIBCRYPTO_LOOK_UP(name)                                                                 \
    table.name = reinterpret_cast<decltype(&::name)>(::dlvsym(handle, #name, abi_version));         \
    if (!table.name && !missing)                                                                    \
        missing = Error{Errc::system, fmt::format("{} has no {} ({}): not the OpenSSL 3 library", soname, #name, abi_version)};
    UMD_LIBCRYPTO_FUNCTIONS(UMD_LIBCRYPTO_LOOK_UP)
#undef UMD_LIBCRYPTO_LOOK_UP
    if (missing) return missing;
    release_loader_only_pages();
    if (init_options != 0 && table.OPENSSL_init_crypto(init_options, nullptr) != 1)
        return Error{Errc::system, "OpenSSL failed to initialise"};
    return std::nullopt;
}

void load_once(State& s) noexcept
{
    std::uint64_t options;
    {
        std::lock_guard lock(s.starting);
        s.begun = true;
        options = s.init_options;
    }
    s.failure = open_and_look_up(s.table, options);
    if (!s.failure) detail::loaded.store(&s.table, std::memory_order_release);
}

}  // namespace

bool set_init_options(std::uint64_t init_options) noexcept
{
    State& s = state();
    std::lock_guard lock(s.starting);
    if (s.begun) return false;
    s.init_options = init_options;
    return true;
}

Result<const Functions*> load() noexcept
{
    if (const Functions* table = detail::loaded.load(std::memory_order_acquire)) return table;
    State& s = state();
    std::call_once(s.once, [&s] { load_once(s); });
    if (s.failure) return std::unexpected(*s.failure);
    return &s.table;
}

namespace detail {

constinit std::atomic<const Functions*> loaded{nullptr};

const Functions& load_or_exit() noexcept
{
    auto table = load();
    if (!table) {
        std::fprintf(stderr, "%s: %s\n", program_invocation_short_name, table.error().message.c_str());
        std::_Exit(127);
    }
    return **table;
}

}  // namespace detail

}  // namespace umd::libcrypto
