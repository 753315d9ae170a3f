// apps/umdd/driver_set.h — the running handlers of one driver, lent to one request at a time.
//
// Trusted side. A daemon serves many clients; a handler's memory holds what it last
// parsed, and a handler corrupted by one client's input must not see, let alone hand
// back, another client's data. So a handler that served one peer uid is recycled
// (ended; the spare handler takes over) before it serves another, and the set prefers
// lending each uid the handler it used last. The trust-anchor rule (a keyring never
// reaches a handler that parsed untrusted input) is the Driver's own (InputOrigin).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <umd/loader.h>
#include <umd/manager.h>

namespace umd::daemon {

class DriverSet {
public:
    /// `instances` drivers of `module`, each with `options` (its deadline and max_reply
    /// are the module's) and a spare handler.
    static Result<std::unique_ptr<DriverSet>> create(const LoaderModule& module, DriverOptions options, unsigned instances);

    /// A driver lent to one request; returned to the set when destroyed.
    class Lease {
    public:
        Driver& operator*() const { return *driver_; }
        Driver* operator->() const { return driver_; }
        Lease(Lease&& other) noexcept : set_(std::exchange(other.set_, nullptr)), index_(other.index_), driver_(other.driver_) {}
        Lease& operator=(Lease&&) = delete;
        ~Lease();

    private:
        friend class DriverSet;
        Lease(DriverSet* set, std::size_t index, Driver* driver) : set_(set), index_(index), driver_(driver) {}
        DriverSet* set_;
        std::size_t index_;
        Driver* driver_;
    };

    /// An idle driver for a request of peer `uid`: one whose handler last served `uid`
    /// if there is one, else another whose handler is recycled first. Waits at most
    /// `wait` for a driver to become idle (Errc::timeout).
    Result<Lease> lease(uid_t uid, std::chrono::milliseconds wait);

    std::vector<DriverStatus> status() const;
    /// Handlers recycled because the next request came from another uid.
    std::uint64_t uid_recycles() const;

    explicit DriverSet(std::string name) : name_(std::move(name)) {}

private:
    void give_back(std::size_t index);

    struct Slot {
        std::unique_ptr<Driver> driver;
        bool busy = false;
        bool served = false;   ///< has served some uid since its last recycle
        uid_t last_uid = 0;
    };
    std::string name_;
    mutable std::mutex lock_;
    std::condition_variable idle_;
    std::vector<Slot> slots_;
    std::uint64_t uid_recycles_ = 0;
};

}  // namespace umd::daemon
