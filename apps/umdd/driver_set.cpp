// apps/umdd/driver_set.cpp — lending handlers per request, recycled between peer uids (trusted side).
#include "apps/umdd/driver_set.h"

#include <fmt/format.h>

namespace umd::daemon {

Result<std::unique_ptr<DriverSet>> DriverSet::create(const LoaderModule& module, DriverOptions options, unsigned instances)
{
    if (instances == 0) return fail(Errc::invalid_argument, "driver {}: at least one instance is needed", module.name);
    options.deadline = std::chrono::milliseconds(module.default_deadline_ms);
    options.max_reply = module.max_reply;
    options.spare_handler = true;
    auto set = std::make_unique<DriverSet>(module.name);
    for (unsigned i = 0; i < instances; ++i) {
        Slot slot;
        slot.driver = std::make_unique<Driver>(fmt::format("{}#{}", module.name, i), options);
        UMD_TRY(slot.driver->load(module.blob()));
        slot.driver->prestart();
        set->slots_.push_back(std::move(slot));
    }
    return set;
}

DriverSet::Lease::~Lease()
{
    if (set_) set_->give_back(index_);
}

Result<DriverSet::Lease> DriverSet::lease(uid_t uid, std::chrono::milliseconds wait)
{
    std::unique_lock guard(lock_);
    std::size_t chosen = slots_.size();
    auto pick = [&] {
        std::size_t other = slots_.size();
        for (std::size_t i = 0; i < slots_.size(); ++i) {
            if (slots_[i].busy) continue;
            if (!slots_[i].served || slots_[i].last_uid == uid) {
                chosen = i;
                return true;
            }
            if (other == slots_.size()) other = i;
        }
        chosen = other;
        return chosen != slots_.size();
    };
    if (!idle_.wait_for(guard, wait, pick))
        return fail(Errc::timeout, "all {} {} handlers stayed busy for {} ms", slots_.size(), name_, wait.count());
    Slot& slot = slots_[chosen];
    slot.busy = true;
    const bool other_uid = slot.served && slot.last_uid != uid;
    if (other_uid) ++uid_recycles_;
    slot.served = true;
    slot.last_uid = uid;
    guard.unlock();
    // Another client's handler: end it (the spare handler takes over) before this request.
    if (other_uid) slot.driver->recycle();
    return Lease(this, chosen, slot.driver.get());
}

void DriverSet::give_back(std::size_t index)
{
    {
        std::lock_guard guard(lock_);
        slots_[index].busy = false;
    }
    idle_.notify_one();
}

std::vector<DriverStatus> DriverSet::status() const
{
    // The drivers live as long as the set; status() takes each driver's own lock, so
    // the set's lock is not held meanwhile (a running request must not block leases).
    std::vector<Driver*> drivers;
    {
        std::lock_guard guard(lock_);
        for (const Slot& slot : slots_) drivers.push_back(slot.driver.get());
    }
    std::vector<DriverStatus> out;
    for (Driver* driver : drivers) out.push_back(driver->status());
    return out;
}

std::uint64_t DriverSet::uid_recycles() const
{
    std::lock_guard guard(lock_);
    return uid_recycles_;
}

}  // namespace umd::daemon
