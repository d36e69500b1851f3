// The background integrity check: Database::check on a thread of its own.
#include "shared/storage/background_check.hpp"

#include <iostream>
#include <utility>

#include "shared/storage/clean_close.hpp"

namespace recount::storage {

std::unique_ptr<BackgroundCheck> BackgroundCheck::start(std::filesystem::path path, std::int32_t application_id,
                                                        Finished finished) {
  std::unique_ptr<BackgroundCheck> check(new BackgroundCheck());
  BackgroundCheck* self = check.get();
  self->thread_ = std::thread([self, path = std::move(path), application_id, finished = std::move(finished)] {
    self->run(path, application_id, finished);
  });
  return check;
}

void BackgroundCheck::run(const std::filesystem::path& path, std::int32_t application_id, const Finished& finished) {
  auto checked = Database::check(path, application_id, &cancellation_);
  if (cancellation_.cancelled()) return;
  // The verdict first, so whoever gates on it stops at once; then the marker, before anyone is
  // told, so the next start checks the file before it writes.
  verdict_.store(checked ? Verdict::kPassed : Verdict::kFailed);
  if (!checked) {
    if (auto recorded = record_damage(path, checked.error().describe()); !recorded) {
      std::cerr << "recount: " << recorded.error().describe() << std::endl;
    }
  }
  if (finished) finished(checked);
}

BackgroundCheck::~BackgroundCheck() {
  cancellation_.cancel();
  if (thread_.joinable()) thread_.join();
}

}  // namespace recount::storage
