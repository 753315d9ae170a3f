// drivers/pgp/trusted/batch.cpp — a two-stage pipeline: a parse thread feeding the verifying caller.
// Trusted side (Manager). See batch.h.
#include "drivers/pgp/trusted/batch.h"

#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "drivers/pgp/trusted/client.h"

namespace umd::pgp {
namespace {

/// A one-slot hand-over between the parse thread and the verifying thread.
class ParsedSlot {
public:
    /// Waits until the slot is free (or the batch is stopped), then fills it. False when stopped.
    bool put(Result<Parsed> parsed)
    {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return !value_ || stopped_; });
        if (stopped_) return false;
        value_.emplace(std::move(parsed));
        changed_.notify_all();
        return true;
    }
    /// Waits for the next parsed file and empties the slot.
    Result<Parsed> take()
    {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return value_.has_value(); });
        Result<Parsed> out = std::move(*value_);
        value_.reset();
        changed_.notify_all();
        return out;
    }
    void stop()
    {
        std::lock_guard lock(mutex_);
        stopped_ = true;
        changed_.notify_all();
    }

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::optional<Result<Parsed>> value_;
    bool stopped_ = false;
};

Result<Verdict> verify_parsed(const Keyring& keyring, Result<Parsed> parsed, const std::string& path, const Policy& policy)
{
    if (!parsed) return std::unexpected(parsed.error());
    if (parsed->kind != InputKind::cleartext && parsed->kind != InputKind::inline_message)
        return fail(Errc::bad_input, "{}: not a signed message", path);
    return verify_message(keyring, *parsed, policy, nullptr);
}

}  // namespace

void verify_messages(Driver& driver, const Keyring& keyring, std::span<const std::string> paths, const Policy& policy,
                     const BatchResult& on_result)
{
    if (paths.empty()) return;
    ParsedSlot slot;
    // Declared after the slot: joined (on any return) before the slot goes.
    std::jthread parser([&] {
        for (const std::string& path : paths)
            if (!slot.put(parse_file(driver, path))) return;
    });
    for (std::size_t i = 0; i < paths.size(); ++i) {
        if (!on_result(i, verify_parsed(keyring, slot.take(), paths[i], policy))) {
            slot.stop();   // the parser ends after the file it is on
            return;
        }
    }
}

}  // namespace umd::pgp
