// Password and ACL file edits.
#include "hub/provision/broker_files.hpp"

#include <algorithm>
#include <sstream>
#include <vector>

#include "shared/crypto/pbkdf2.hpp"
#include "shared/crypto/random.hpp"
#include "shared/protocol/device_bundle.hpp"
#include "shared/protocol/topics.hpp"
#include "shared/storage/atomic_file.hpp"

namespace recount::hub {
namespace {

// mosquitto_passwd 2.0's parameters (password_mosq.h): PBKDF2-SHA512, 101 rounds, 12-byte salt.
constexpr int kIterations = 101;
constexpr std::size_t kSaltBytes = 12;
constexpr std::size_t kHashBytes = 64;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string text_of(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& line : lines) text += line + "\n";
  return text;
}

// Reads `file`, lets `edit` change its lines, and writes it back as it was owned.
template <typename Edit>
Result<void> edit_lines(const std::filesystem::path& file, Edit edit) {
  std::error_code error;
  const auto status = std::filesystem::status(file, error);
  if (error || !std::filesystem::is_regular_file(status)) {
    return Error{ErrorCode::kIo, "", file.string() + " does not exist: create it once, readable by the broker"};
  }
  auto text = storage::read_whole_file(file);
  if (!text) return text.error();
  auto lines = lines_of(*text);
  edit(lines);
  return storage::write_file_atomically(file, text_of(lines), status.permissions());
}

std::string begin_marker(std::string_view site, std::string_view device) {
  return "# begin recount device " + protocol::device_username(site, device);
}
std::string end_marker(std::string_view site, std::string_view device) {
  return "# end recount device " + protocol::device_username(site, device);
}

// Removes the lines from the device's begin marker through its end marker.
void erase_block(std::vector<std::string>& lines, std::string_view site, std::string_view device) {
  const auto begin = std::find(lines.begin(), lines.end(), begin_marker(site, device));
  if (begin == lines.end()) return;
  auto end = std::find(begin, lines.end(), end_marker(site, device));
  lines.erase(begin, end == lines.end() ? end : end + 1);
}

}  // namespace

std::string mosquitto_password_line(std::string_view username, std::string_view password) {
  const auto salt_bytes = crypto::random_bytes(kSaltBytes);
  const std::string salt(salt_bytes.begin(), salt_bytes.end());
  const auto hash = crypto::pbkdf2_sha512(password, salt, kIterations, kHashBytes);
  return std::string(username) + ":$7$" + std::to_string(kIterations) + "$" + crypto::base64_encode(salt) + "$" +
         crypto::base64_encode(hash);
}

std::string device_acl_block(std::string_view site, std::string_view device) {
  using protocol::DeviceChannel;
  std::string block = begin_marker(site, device) + "\nuser " + protocol::device_username(site, device) + "\n";
  for (auto channel : {DeviceChannel::kEvents, DeviceChannel::kHello, DeviceChannel::kStatus}) {
    block += "topic write " + protocol::device_topic(site, device, channel) + "\n";
  }
  for (auto channel : {DeviceChannel::kAck, DeviceChannel::kNack}) {
    block += "topic read " + protocol::device_topic(site, device, channel) + "\n";
  }
  block += "topic read " + protocol::catalog_topic(site) + "\n";
  block += "topic read " + protocol::catalog_chunks_filter(site) + "\n";
  block += "topic read " + protocol::tasks_topic(site) + "\n";
  return block + end_marker(site, device) + "\n";
}

Result<void> set_password(const std::filesystem::path& password_file, std::string_view username,
                          std::string_view password) {
  const auto line = mosquitto_password_line(username, password);
  const std::string prefix = std::string(username) + ":";
  return edit_lines(password_file, [&](std::vector<std::string>& lines) {
    const auto existing =
        std::find_if(lines.begin(), lines.end(), [&](const std::string& each) { return each.starts_with(prefix); });
    if (existing == lines.end()) {
      lines.push_back(line);
    } else {
      *existing = line;
    }
  });
}

Result<void> remove_password(const std::filesystem::path& password_file, std::string_view username) {
  const std::string prefix = std::string(username) + ":";
  return edit_lines(password_file, [&](std::vector<std::string>& lines) {
    std::erase_if(lines, [&](const std::string& each) { return each.starts_with(prefix); });
  });
}

Result<void> set_device_acl(const std::filesystem::path& acl_file, std::string_view site, std::string_view device) {
  return edit_lines(acl_file, [&](std::vector<std::string>& lines) {
    erase_block(lines, site, device);
    for (auto& line : lines_of(device_acl_block(site, device))) lines.push_back(std::move(line));
  });
}

Result<void> remove_device_acl(const std::filesystem::path& acl_file, std::string_view site, std::string_view device) {
  return edit_lines(acl_file, [&](std::vector<std::string>& lines) { erase_block(lines, site, device); });
}

}  // namespace recount::hub
