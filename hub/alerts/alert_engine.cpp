// Alert evaluation on commits and sweeps, and the alert delivery outbox.
#include "hub/alerts/alert_engine.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <iostream>
#include <set>
#include <utility>

#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>

#include "hub/alerts/conditions.hpp"

extern char** environ;

namespace recount::hub::alerts {
namespace {

using reconcile::AlertKind;
using reconcile::AlertRule;

std::string discrepancy_summary(const reconcile::Discrepancy& discrepancy) {
  const auto& position = discrepancy.position;
  return "discrepancy " + std::to_string(discrepancy.id) + " (" + discrepancy.system + ") at " + position.site + "/" +
         position.location + "/" + position.sku + (position.lot.empty() ? "" : "/" + position.lot) + ": variance " +
         std::to_string(discrepancy.variance) + " worth " + std::to_string(discrepancy.value_cents) + " cents, " +
         std::string(reconcile::to_string(discrepancy.state));
}

std::string device_summary(const DeviceCondition& device) {
  return "device " + device.device + " at " + device.site + " offline since " + std::to_string(device.since_ms) +
         " with " + std::to_string(device.backlog) + " unsent events";
}

std::vector<DeviceCondition> device_conditions(const std::vector<DeviceSummary>& devices) {
  std::vector<DeviceCondition> out;
  for (const auto& device : devices) {
    if (!device.status) continue;
    const auto& status = device.status->status;
    out.push_back(DeviceCondition{device.site, device.device, status.state == protocol::DeviceState::kOffline,
                                  device.status->received_ms, status.backlog});
  }
  return out;
}

}  // namespace

// One round on the worker: each delivery with its alert, and how its attempt went.
struct AlertEngine::Round {
  struct Item {
    AlertDelivery delivery;
    Alert alert;
    delivery::Attempt attempt;
    DeliveryOutcome outcome;
  };
  std::vector<Item> items;
};

std::string alert_topic(const std::string& site) { return "recount/v1/" + site + "/alerts"; }

std::string alert_message(const Alert& alert) {
  const nlohmann::json body{{"v", 1},
                            {"type", "alert"},
                            {"id", alert.id},
                            {"idempotency_key", alert.idempotency_key},
                            {"rule", alert.rule},
                            {"kind", alert.kind},
                            {"subject", alert.subject},
                            {"site", alert.site},
                            {"summary", alert.summary},
                            {"raised_ms", alert.raised_ms}};
  return body.dump();
}

std::string alert_mail(const Alert& alert, const std::string& from, const std::string& to) {
  // Every header value is either checked by the policy (to), an operator's flag (from) or built
  // from identifiers and numbers (rule, summary), so none can carry a line break.
  return "From: " + from + "\r\nTo: " + to + "\r\nSubject: [recount] " + alert.rule + ": " + alert.summary +
         "\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + alert.summary + "\r\n\r\nAlert " +
         std::to_string(alert.id) + ", rule " + alert.rule + ", " + alert.subject + ", raised at " +
         std::to_string(alert.raised_ms) + " (ms since the epoch).\r\nAcknowledge it with: recountctl alerts ack " +
         std::to_string(alert.id) + "\r\n";
}

std::string run_sendmail(const std::filesystem::path& sendmail, const std::string& message) {
  int pipe_ends[2];
  if (::pipe2(pipe_ends, O_CLOEXEC) != 0) return std::string("cannot make a pipe: ") + std::strerror(errno);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_ends[0], STDIN_FILENO);
  const std::string program = sendmail.string();
  std::string t = "-t";
  std::string i = "-i";
  char* argv[] = {const_cast<char*>(program.c_str()), t.data(), i.data(), nullptr};
  pid_t pid = 0;
  const int spawned = ::posix_spawn(&pid, program.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_ends[0]);
  if (spawned != 0) {
    ::close(pipe_ends[1]);
    return "cannot run " + program + ": " + std::strerror(spawned);
  }
  // A sendmail that exits before reading everything must not kill the hub with SIGPIPE: blocked
  // on this thread while writing, and a pending one taken away before it is unblocked.
  sigset_t pipe_signal;
  sigset_t previous;
  sigemptyset(&pipe_signal);
  sigaddset(&pipe_signal, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_signal, &previous);
  std::size_t written = 0;
  while (written < message.size()) {
    const ssize_t n = ::write(pipe_ends[1], message.data() + written, message.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    written += static_cast<std::size_t>(n);
  }
  const timespec no_wait{0, 0};
  while (sigtimedwait(&pipe_signal, nullptr, &no_wait) == SIGPIPE) {
  }
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  ::close(pipe_ends[1]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return written == message.size() ? "" : "sendmail stopped reading";
  if (WIFEXITED(status)) return program + " exited with status " + std::to_string(WEXITSTATUS(status));
  return program + " was killed by signal " + std::to_string(WTERMSIG(status));
}

Result<std::unique_ptr<AlertEngine>> AlertEngine::create(boost::asio::io_context& io, Ledger& ledger,
                                                         reconcile::Queries& queries, AlertOptions options,
                                                         Publish publish, WallClock wall) {
  if (auto ok = open_alerts(ledger.database()); !ok) return ok.error();
  if (auto ok = delivery::open_attempt_log(ledger.database()); !ok) return ok.error();
  return std::unique_ptr<AlertEngine>(
      new AlertEngine(io, ledger, queries, std::move(options), std::move(publish), std::move(wall)));
}

AlertEngine::AlertEngine(boost::asio::io_context& io, Ledger& ledger, reconcile::Queries& queries, AlertOptions options,
                         Publish publish, WallClock wall)
    : io_(io),
      ledger_(ledger),
      queries_(queries),
      options_(std::move(options)),
      publish_(std::move(publish)),
      wall_(std::move(wall)),
      jitter_(std::random_device{}()),
      sweep_timer_(io),
      delivery_timer_(io),
      worker_(std::make_unique<delivery::DeliveryWorker>()) {}

// worker_ is destroyed first and ends its running delivery; the timers cancel their waits as they
// are destroyed.
AlertEngine::~AlertEngine() = default;

void AlertEngine::start() {
  running_ = true;
  arm_sweep(std::chrono::milliseconds(0));
  arm_delivery(std::chrono::milliseconds(0));
}

void AlertEngine::stop() {
  running_ = false;
  sweep_timer_.cancel();
  delivery_timer_.cancel();
  worker_->stop();
}

void AlertEngine::wake() {
  if (running_ && !in_flight_) arm_delivery(std::chrono::milliseconds(0));
}

void AlertEngine::observe(std::vector<std::int64_t> discrepancies) {
  if (discrepancies.empty()) return;
  boost::asio::post(io_, [this, ids = std::move(discrepancies)]() mutable {
    if (!running_) return;
    // No rule, nothing to raise: a commit's discrepancies are not even read (the sweep still lets
    // go of what rules taken out of the policy held).
    auto policy = queries_.policy_in_force();
    if (!policy) {
      std::cerr << "recount-hub: alerts: " << policy.error().describe() << std::endl;
      return;
    }
    if (policy->policy.alerts.empty()) return;
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    std::vector<reconcile::Discrepancy> changed;
    for (const std::int64_t id : ids) {
      auto detail = queries_.discrepancy(id);
      if (!detail) {
        std::cerr << "recount-hub: alerts: " << detail.error().describe() << std::endl;
        continue;
      }
      changed.push_back(std::move(detail->discrepancy));
    }
    if (auto ok = evaluate(policy->policy.alerts, changed, false); !ok) {
      std::cerr << "recount-hub: alerts: " << ok.error().describe() << std::endl;
    }
  });
}

Result<void> AlertEngine::sweep() {
  reconcile::DiscrepancyQuery query;
  query.filter = reconcile::StateFilter::kActive;
  auto active = queries_.discrepancies(query);
  if (!active) return active.error();
  auto policy = queries_.policy_in_force();
  if (!policy) return policy.error();
  return evaluate(policy->policy.alerts, *active, true);
}

Result<void> AlertEngine::evaluate(const std::vector<AlertRule>& rules,
                                   const std::vector<reconcile::Discrepancy>& discrepancies, bool every_subject) {
  std::vector<DeviceCondition> devices;
  if (every_subject) {
    auto summaries = ledger_.events().devices();
    if (!summaries) return summaries.error();
    devices = device_conditions(*summaries);
  }
  const std::int64_t now_ms = wall_();
  auto write = ledger_.begin_write();
  if (!write) return write.error();
  std::set<std::pair<std::string, std::string>> held;
  std::vector<std::int64_t> raised;
  const auto judge = [&](const AlertRule& rule, bool holds_now, const Observation& observation) -> Result<void> {
    if (!holds_now) return release(*write, rule.name, observation.subject);
    held.emplace(rule.name, observation.subject);
    auto id = raise(*write, observation, now_ms);
    if (!id) return id.error();
    if (*id) raised.push_back(**id);
    return {};
  };
  for (const AlertRule& rule : rules) {
    if (rule.kind == AlertKind::kDiscrepancy) {
      for (const auto& discrepancy : discrepancies) {
        Observation observation{&rule, discrepancy_subject(discrepancy.id), discrepancy.position.site,
                                discrepancy_summary(discrepancy)};
        if (auto ok = judge(rule, holds(rule, discrepancy, now_ms), observation); !ok) return ok;
      }
    } else {
      for (const auto& device : devices) {
        Observation observation{&rule, device_subject(device.site, device.device), device.site, device_summary(device)};
        if (auto ok = judge(rule, holds(rule, device, now_ms), observation); !ok) return ok;
      }
    }
  }
  if (every_subject) {
    // A subject the sweep no longer sees (a closed discrepancy, a rule taken out) holds no more.
    auto was_holding = holding(write->database());
    if (!was_holding) return was_holding.error();
    for (const auto& [rule, subject] : *was_holding) {
      if (held.count({rule, subject}) == 0) {
        if (auto ok = release(*write, rule, subject); !ok) return ok;
      }
    }
  }
  if (auto ok = write->commit(); !ok) return ok;
  if (raised.empty()) return {};
  wake();
  for (const std::int64_t id : raised) {
    auto alert = find_alert(ledger_.database(), id);
    if (raised_ && alert && *alert) raised_(**alert);
  }
  return {};
}

void AlertEngine::arm_sweep(std::chrono::milliseconds after) {
  sweep_timer_.expires_after(after);
  sweep_timer_.async_wait([this](const boost::system::error_code& error) {
    if (error || !running_) return;
    if (auto ok = sweep(); !ok) std::cerr << "recount-hub: alert sweep: " << ok.error().describe() << std::endl;
    arm_sweep(options_.sweep);
  });
}

void AlertEngine::arm_delivery(std::chrono::milliseconds after) {
  delivery_timer_.expires_after(after);
  delivery_timer_.async_wait([this](const boost::system::error_code& error) {
    if (!error && running_) look();
  });
}

std::optional<std::int64_t> AlertEngine::retry_at(std::int64_t attempts_made) {
  const auto delay = delivery::retry_delay_ms(options_.retry, attempts_made, jitter_());
  if (!delay) return std::nullopt;
  return wall_() + *delay;
}

void AlertEngine::look() {
  if (in_flight_) return;
  auto due = due_deliveries(ledger_.database(), wall_(), options_.batch + publishing_.size());
  if (!due) {
    poll_failures_.failed(due.error().describe());
    arm_delivery(options_.poll);
    return;
  }
  poll_failures_.worked();
  auto round = std::make_shared<Round>();
  for (const AlertDelivery& delivery : *due) {
    if (std::find(publishing_.begin(), publishing_.end(), delivery.id) != publishing_.end()) continue;
    auto alert = find_alert(ledger_.database(), delivery.alert_id);
    if (!alert || !*alert) continue;  // the foreign key keeps it; a read error is retried next round
    if (delivery.channel == "mqtt") {
      publish_mqtt(delivery, **alert);
    } else {
      round->items.push_back(Round::Item{delivery, std::move(**alert), {}, {}});
    }
  }
  if (round->items.empty()) {
    arm_delivery(options_.poll);
    return;
  }
  in_flight_ = true;
  worker_->submit([this, round] {
    attempt(*round);
    boost::asio::post(io_, [this, round] {
      in_flight_ = false;
      if (!running_) return;
      record(*round);
      arm_delivery(std::chrono::milliseconds(0));  // more may be due
    });
  });
}

void AlertEngine::publish_mqtt(const AlertDelivery& delivery, const Alert& alert) {
  publishing_.push_back(delivery.id);
  const std::string topic = alert_topic(alert.site);
  const std::int64_t started_ms = wall_();
  // Not retained: an alert is news when it happens; the API keeps the list.
  publish_(mqtt::Message{topic, alert_message(alert), false},
           [this, delivery, alert_id = alert.id, topic, started_ms](const Result<void>& done) {
             publishing_.erase(std::remove(publishing_.begin(), publishing_.end(), delivery.id), publishing_.end());
             const std::string error = done ? "" : done.error().describe();
             delivery::Attempt attempt{
                 "alert", alert_id, "mqtt", topic, started_ms, wall_(), 0, done ? "delivered" : "retry", error};
             DeliveryOutcome outcome{delivery.id, done.has_value(), error,
                                     done ? std::nullopt : retry_at(delivery.attempts + 1)};
             auto write = ledger_.begin_write();
             Result<void> ok = write ? delivery::record_attempt(write->database(), attempt) : write.error();
             if (ok) ok = record_outcome(write->database(), outcome, wall_());
             if (ok) ok = write->commit();
             if (!ok) std::cerr << "recount-hub: alert delivery: " << ok.error().describe() << std::endl;
           });
}

void AlertEngine::attempt(Round& round) {
  for (Round::Item& item : round.items) {
    const Alert& alert = item.alert;
    item.attempt = delivery::Attempt{"alert",     alert.id, item.delivery.channel, item.delivery.target, wall_(), 0, 0,
                                     "delivered", ""};
    bool refused = false;
    if (item.delivery.channel == "webhook") {
      if (!options_.webhook) {
        item.attempt.error = "no webhook is configured (recount-hub --alert-webhook)";
        refused = true;
      } else {
        item.attempt.target = options_.webhook->text;
        const auto result = delivery::post_webhook(*options_.webhook, options_.webhook_secret, alert.idempotency_key,
                                                   alert_message(alert), options_.webhook_timeout, wall_);
        item.attempt.started_ms = result.started_ms;
        item.attempt.status = result.status;
        item.attempt.error = result.error;
        refused = result.outcome == delivery::AttemptOutcome::kRefused;
      }
    } else if (!options_.sendmail) {
      item.attempt.error = "no sendmail is configured (recount-hub --sendmail)";
      refused = true;
    } else {
      item.attempt.error =
          run_sendmail(*options_.sendmail, alert_mail(alert, options_.mail_from, item.delivery.target));
    }
    item.attempt.finished_ms = wall_();
    const bool delivered = item.attempt.error.empty();
    if (!delivered) item.attempt.outcome = refused ? "refused" : "retry";
    item.outcome = DeliveryOutcome{item.delivery.id, delivered, item.attempt.error,
                                   delivered || refused ? std::nullopt : retry_at(item.delivery.attempts + 1)};
  }
}

void AlertEngine::record(const Round& round) {
  auto write = ledger_.begin_write();
  Result<void> ok = write ? Result<void>(Ok{}) : Result<void>(write.error());
  for (const Round::Item& item : round.items) {
    if (ok) ok = delivery::record_attempt(write->database(), item.attempt);
    if (ok) ok = record_outcome(write->database(), item.outcome, wall_());
  }
  if (ok) ok = write->commit();
  // Not recorded: the round is done again (webhooks carry their key).
  if (!ok) std::cerr << "recount-hub: alert delivery: " << ok.error().describe() << std::endl;
}

}  // namespace recount::hub::alerts
