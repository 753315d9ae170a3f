// src/manager.cpp — the front end: drivers by name, loaded from their modules on
// first use (trusted side; the kernel's umd_mgmt_load on demand).
#include <umd/manager.h>

#include <umd/one_shot/another_cpu.h>

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
    if (auto it = drivers_.find(name); it != drivers_.end()) {
        // Its options were fixed when it was created; using them silently for a caller
        // that asked for others would run that caller's requests under the wrong ones.
        if (overrides)
            return fail(Errc::invalid_argument, "driver '{}' exists already, with the options it was created with; "
                        "options can be given only by the request that creates it", name);
        return it->second.get();
    }
    auto module = UMD_TRY(registry_->find(name));
    DriverOptions options = overrides ? *overrides : defaults_;
    if (!overrides) {
        options.deadline = std::chrono::milliseconds(module->default_deadline_ms);
        options.max_reply = module->max_reply;
    }
    auto driver = std::make_unique<Driver>(name, std::move(options));
    Status loaded;
    if (auto preloaded = preloads_.extract(name)) {
        Result<Blob> image = preloaded.mapped().image.get();
        loaded = image ? driver->load(std::move(*image)) : Status(std::unexpected(image.error()));
    } else {
        loaded = driver->load(module->blob());
    }
    if (!loaded) return std::unexpected(with_context(loaded.error(), fmt::format("loading driver '{}'", name)));
    Driver* raw = driver.get();
    drivers_.emplace(name, std::move(driver));
    return raw;
}

void Manager::preload(const std::string& name)
{
    std::lock_guard guard(lock_);
    if (drivers_.contains(name) || preloads_.contains(name)) return;
    auto module = registry_->find(name);
    if (!module) return;
    // The module's bytes live as long as registry_, which outlives preloads_.
    std::packaged_task<Result<Blob>()> copy(
        [image = (*module)->blob(), memfd_name = Driver::image_name(name)] { return Blob::load(image, memfd_name); });
    Preload preload{copy.get_future(), {}};
    preload.copier = one_shot::start_on_another_cpu([copy = std::move(copy)]() mutable { copy(); });
    preloads_.emplace(name, std::move(preload));
}

std::vector<DriverStatus> Manager::status() const
{
    std::lock_guard guard(lock_);
    std::vector<DriverStatus> out;
    for (const auto& [name, driver] : drivers_) out.push_back(driver->status());
    return out;
}

}  // namespace umd
