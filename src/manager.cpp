// src/manager.cpp — the front end: drivers by name, loaded from their modules on
// first use (trusted side; the kernel's umd_mgmt_load on demand).
#include <umd/manager.h>

namespace umd {

Manager::Manager(std::shared_ptr<LoaderRegistry> registry) : registry_(std::move(registry)) {}

Manager::~Manager() = default;

void Manager::set_default_options(DriverOptions options)
{
    std::lock_guard guard(lock_);
    defaults_ = std::move(options);
}

Result<Driver*> Manager::driver(const std::string& name, const DriverOptions* overrides)
{
    std::lock_guard guard(lock_);
    if (auto it = drivers_.find(name); it != drivers_.end()) return it->second.get();
    auto module = registry_->find(name);
    if (!module) return std::unexpected(module.error());
    DriverOptions options = overrides ? *overrides : defaults_;
    if (!overrides) {
        options.deadline = std::chrono::milliseconds((*module)->default_deadline_ms);
        options.max_reply = (*module)->max_reply;
    }
    auto driver = std::make_unique<Driver>(name, std::move(options));
    if (auto s = driver->load((*module)->blob()); !s) return std::unexpected(with_context(s.error(), fmt::format("loading driver '{}'", name)));
    Driver* raw = driver.get();
    drivers_.emplace(name, std::move(driver));
    return raw;
}

std::vector<DriverStatus> Manager::status() const
{
    std::lock_guard guard(lock_);
    std::vector<DriverStatus> out;
    for (const auto& [name, driver] : drivers_) out.push_back(driver->status());
    return out;
}

}  // namespace umd
