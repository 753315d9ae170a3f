// src/spawn_thread.h — runs handler start-up on one long-lived thread (trusted side).
//
// Why: PR_SET_PDEATHSIG kills a child when the *thread* that created it exits.
// Creating every handler from one thread that lives as long as the process ties
// each handler's life to the Manager's process, not to whichever caller thread
// happened to start it.
#pragma once

#include <functional>
#include <optional>

#include <umd/error.h>

namespace umd::detail {

/// Runs `job` on the spawn thread and waits for it to finish.
void run_on_spawn_thread_erased(const std::function<void()>& job);

/// Queues `job` to run on the spawn thread and returns at once (jobs run in order).
void post_to_spawn_thread(std::function<void()> job);

template <class Fn>
auto run_on_spawn_thread(Fn&& fn) -> decltype(fn())
{
    std::optional<decltype(fn())> result;
    run_on_spawn_thread_erased([&] { result.emplace(fn()); });
    return std::move(*result);
}

}  // namespace umd::detail
