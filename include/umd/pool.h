// umd/pool.h — several handler instances of one driver serving requests in parallel.
//
// A DriverPool owns N Drivers built from the same blob and options. Each request
// goes to an idle instance (waiting, bounded by the request deadline, when all
// are busy), so one slow request never blocks the others. Every instance keeps
// its own lock, handler, restart policy and crash-loop state.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include <umd/manager.h>

namespace umd {

class DriverPool {
public:
    /// `instances` Drivers named "<name>#<i>", each loaded with `blob`.
    static Result<std::unique_ptr<DriverPool>> create(const std::string& name, std::span<const std::uint8_t> blob,
                                                      const DriverOptions& options, unsigned instances);

    /// Like Driver::send_recv, on the first idle instance. Waits at most the
    /// options' deadline for one to become idle (Errc::timeout otherwise).
    Result<HandlerReply> send_recv(std::uint8_t type, ByteView request);

    /// One status per instance.
    std::vector<DriverStatus> status() const;
    std::size_t size() const noexcept { return drivers_.size(); }

    DriverPool(std::chrono::milliseconds deadline) : deadline_(deadline) {}

private:
    std::vector<std::unique_ptr<Driver>> drivers_;
    std::vector<bool> busy_;
    mutable std::mutex lock_;
    std::condition_variable idle_;
    std::chrono::milliseconds deadline_;
};

}  // namespace umd
