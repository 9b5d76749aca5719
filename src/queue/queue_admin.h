// Queue administration over data_dir/queue, safe to run from the CLI process while the
// server runs: list and show queued messages, delete them, ask the running server to
// retry them now, and the deferral side file the outbound queue manager keeps per entry.
//
// Side files beside queue/active/ID (any file named "ID.*" belongs to entry ID):
//   ID.done    per-target progress (queue_file.h)
//   ID.defer   "attempts N\nnext T\nreason TEXT\n", replaced atomically by the outbound
//              engine after each deferral (write_defer_info)
// Trigger files: queue/flush/ID or queue/flush/ALL ask the running server's outbound queue
// manager to retry that entry (or every entry) now; it deletes the trigger after acting.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace magpie::queue {

struct QueueItem {
    std::string id;
    int64_t arrival = 0;                  // unix seconds
    int64_t size = 0;                     // message bytes
    std::string sender;                   // empty for the null sender
    std::vector<std::string> recipients;  // pending: remote addresses, local recipients
    std::string reason;                   // last deferral text, or ""
    int attempts = 0;
    int64_t next_attempt = 0;  // unix seconds; 0 when never deferred
};

// Letters and digits, 1-64 characters (what new_queue_id() makes); anything else (".",
// "/") is refused before it reaches a path.
bool valid_queue_id(std::string_view id);
// "2025-07-01T12:00:00Z" (UTC), as `queue list` prints arrival times.
std::string format_time_iso(int64_t unix_seconds);

// Every readable entry in queue/active, oldest first. Unreadable (torn, corrupt) entries
// are skipped.
std::vector<QueueItem> list_queue(const std::string& queue_dir);
std::optional<QueueItem> get_queue_item(const std::string& queue_dir, std::string_view id);
// Envelope summary, a blank line, then the message (headers and body) as queued;
// nullopt when there is no such entry.
std::optional<std::string> show_message(const std::string& queue_dir, std::string_view id);
// Removes ID.* side files, then ID, then fsyncs queue/active. False when ID was not queued.
bool delete_queue_item(const std::string& queue_dir, std::string_view id);

// Writes the trigger queue/flush/ID, or queue/flush/ALL when `id` is empty.
void request_resend(const std::string& queue_dir, std::string_view id);
// For the outbound queue manager: the pending triggers ("" stands for ALL), and removal of
// one after acting on it.
std::vector<std::string> pending_resend_requests(const std::string& queue_dir);
void clear_resend_request(const std::string& queue_dir, std::string_view id);
std::string flush_dir(const std::string& queue_dir);

struct DeferInfo {
    int attempts = 0;
    int64_t next_attempt = 0;  // unix seconds
    std::string reason;        // one line (CR/LF become spaces)
};
// queue/active/ID.defer, written with fs::write_file_atomic (fsync'd, renamed, dir fsync'd).
void write_defer_info(const std::string& queue_dir, std::string_view id, int attempts,
                      int64_t next_attempt, std::string_view reason);
// nullopt when absent or malformed.
std::optional<DeferInfo> read_defer_info(const std::string& queue_dir, std::string_view id);

}  // namespace magpie::queue
