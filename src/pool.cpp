// src/pool.cpp — several handler instances of one driver (trusted side).
#include <umd/pool.h>

namespace umd {

Result<std::unique_ptr<DriverPool>> DriverPool::create(const std::string& name, std::span<const std::uint8_t> blob,
                                                       const DriverOptions& options, unsigned instances)
{
    if (instances == 0 || instances > 256) return fail(Errc::invalid_argument, "a pool needs 1..256 instances, not {}", instances);
    auto pool = std::make_unique<DriverPool>(options.deadline);
    for (unsigned i = 0; i < instances; ++i) {
        auto driver = std::make_unique<Driver>(fmt::format("{}#{}", name, i), options);
        UMD_TRY(driver->load(blob));
        pool->drivers_.push_back(std::move(driver));
    }
    pool->busy_.assign(instances, false);
    return pool;
}

Result<HandlerReply> DriverPool::send_recv(std::uint8_t type, ByteView request)
{
    std::size_t chosen = 0;
    {
        std::unique_lock guard(lock_);
        auto idle = [&] {
            for (std::size_t i = 0; i < busy_.size(); ++i)
                if (!busy_[i]) { chosen = i; return true; }
            return false;
        };
        if (!idle_.wait_for(guard, deadline_, idle))
            return fail(Errc::timeout, "all {} instances stayed busy for the {} ms deadline", busy_.size(), deadline_.count());
        busy_[chosen] = true;
    }
    auto reply = drivers_[chosen]->send_recv(type, request);
    {
        std::lock_guard guard(lock_);
        busy_[chosen] = false;
    }
    idle_.notify_one();
    return reply;
}

std::vector<DriverStatus> DriverPool::status() const
{
    std::vector<DriverStatus> out;
    for (const auto& d : drivers_) out.push_back(d->status());
    return out;
}

}  // namespace umd
