// drivers/pgp/trusted/keyring_cache.cpp — keyrings built once per content (trusted side).
#include "drivers/pgp/trusted/keyring_cache.h"

#include <algorithm>

#include <umd/wire.h>

namespace umd::pgp {

Result<std::shared_ptr<const Keyring>> KeyringCache::get(Driver& driver, const std::vector<FileRef>& files, const Policy& policy)
{
    if (files.empty()) return fail(Errc::invalid_argument, "at least one keyring is needed");
    // The key: every input of Keyring::from() that can change what it builds.
    ByteWriter key;
    key.u32(policy.min_rsa_bits);
    key.u32(policy.min_dsa_bits);
    key.u64(static_cast<std::uint64_t>(policy.weak_hash_self_signature_cutoff));
    std::vector<Bytes> contents;
    for (const FileRef& file : files) {
        contents.push_back(UMD_TRY(read_input_file(file)));
        key.blob(contents.back());
    }
    Bytes wanted = std::move(key).take();
    {
        std::lock_guard guard(lock_);
        auto it = std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.key == wanted; });
        if (it != entries_.end()) {
            entries_.splice(entries_.begin(), entries_, it);
            ++hits_;
            return it->keyring;
        }
        ++misses_;
    }
    // Built outside the lock: two callers that miss at once both build, and one keeps its copy.
    std::vector<Parsed> parsed;
    for (std::size_t i = 0; i < files.size(); ++i)
        parsed.push_back(UMD_TRY(parse_keyring_bytes(driver, std::move(contents[i]), files[i].name)));
    auto built = std::make_shared<const Keyring>(UMD_TRY(Keyring::from(std::move(parsed), policy)));
    if (wanted.size() > max_bytes_) return built;   // too large to keep
    std::lock_guard guard(lock_);
    bytes_ += wanted.size();
    entries_.push_front(Entry{std::move(wanted), built});
    while (entries_.size() > capacity_ || bytes_ > max_bytes_) {
        bytes_ -= entries_.back().key.size();
        entries_.pop_back();
    }
    return built;
}

KeyringCache::Stats KeyringCache::stats() const
{
    std::lock_guard guard(lock_);
    return {entries_.size(), bytes_, hits_, misses_};
}

void KeyringCache::clear()
{
    std::lock_guard guard(lock_);
    entries_.clear();
    bytes_ = 0;
}

}  // namespace umd::pgp
