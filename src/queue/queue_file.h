// The queue file: one file per accepted message under data_dir/queue, holding the envelope
// (sender, recipients with DSN parameters, expanded delivery targets, client data) and the
// message bytes. Written to queue/tmp, fsync'd, then renamed into queue/active before the
// SMTP 250. Per-target progress is appended to a ".done" file beside it, fsync'd per line.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/router.h"

namespace magpie::queue {

struct Recipient {
    std::string address;  // as given in RCPT TO (without <>)
    std::string notify;   // DSN NOTIFY=, e.g. "SUCCESS,FAILURE" (empty when absent)
    std::string orcpt;    // DSN ORCPT= as given
};

struct Envelope {
    std::string id;       // queue ID, see new_queue_id()
    int64_t arrival = 0;  // unix seconds
    std::string sender;   // MAIL FROM address; empty for the null sender <>
    std::vector<Recipient> recipients;
    std::vector<store::Target> targets;  // expansion of recipients (router.h)
    std::string client_ip;
    std::string client_helo;
    std::string auth_user;  // empty when not authenticated
    std::string listener;   // "smtp", "submission", "submissions"
    std::string protocol;   // "ESMTP", "ESMTPS", "ESMTPSA", ...
    std::string body;       // "7BIT", "8BITMIME", "BINARYMIME" (empty when not given)
    bool smtputf8 = false;
    std::string dsn_ret;  // "FULL" / "HDRS" / empty
    std::string dsn_envid;
    std::string message_id;  // Message-ID header value, for the log
    int64_t size = 0;        // message bytes
    // Set by the filter: header lines (without CRLF) put on top of local copies, and the
    // spam mark (Junk delivery).
    std::vector<std::string> headers;
    bool spam = false;
};

// A fresh, unique, sortable queue ID ("7K3ZQ2M1A4BC9D", letters and digits only).
std::string new_queue_id();
// The microseconds since the epoch encoded in an ID made by new_queue_id(); 0 when `id`
// is not one (used for sub-second delays in the log).
int64_t queue_id_time_us(std::string_view id);

// Streams one message into the queue. Nothing is visible until commit() returns.
class Writer {
  public:
    // Creates queue/tmp/ID; the envelope is written at commit (it may change while receiving).
    Writer(const std::string& queue_dir, std::string id);
    ~Writer();  // aborts when not committed
    Writer(const Writer&) = delete;
    Writer& operator=(const Writer&) = delete;
    const std::string& id() const { return id_; }
    void append(std::string_view bytes);  // message bytes, CRLF line ends, unstuffed
    int64_t size() const { return size_; }
    // Writes envelope + message, fsyncs, renames into queue/active, fsyncs the directory.
    // Throws std::system_error on I/O failure (disk full): the caller answers 451/452.
    void commit(const Envelope& env);
    void abort();
    // Writes the buffered bytes, so the file at tmp_path() holds the whole message so far.
    void flush();
    std::string tmp_path() const;

  private:

    std::string queue_dir_, id_;
    int fd_ = -1;
    int64_t size_ = 0;
    bool done_ = false;
    std::string buf_;  // bounded write buffer (kWriteBuffer), never the whole message
};

// Queues a message Magpie wrote itself (a bounce, a notice): a new ID, `msg` as its bytes,
// `env` completed with the ID, `now` as arrival, listener and protocol "local", the size.
// Returns the ID.
std::string enqueue_local(const std::string& queue_dir, Envelope& env, std::string_view msg,
                          int64_t now);

// A committed queue entry, read back.
struct Entry {
    Envelope env;
    std::string path;               // queue/active/ID
    int64_t body_offset = 0;        // where the message bytes start in the file
    std::vector<bool> target_done;  // from the .done file
};

// nullopt for a missing, truncated or corrupt file; never throws on bad content.
std::optional<Entry> read_entry(const std::string& path);
// Appends "INDEX STATUS TEXT" to ID.done and fsyncs it.
void mark_target_done(const Entry& e, size_t target_index, std::string_view status);
// The same for several targets with one write and one fsync.
void mark_targets_done(const Entry& e,
                       const std::vector<std::pair<size_t, std::string>>& index_status);
// Removes the queue file and its .done file (after every target is done). Does not fsync
// the directory: callers batch that with sync_active().
void remove_entry(const Entry& e);
// IDs of every committed entry in queue/active, oldest first.
std::vector<std::string> list_active(const std::string& queue_dir);

// queue_dir/active, and the path of one entry in it.
std::string active_dir(const std::string& queue_dir);
std::string active_path(const std::string& queue_dir, const std::string& id);
// fsyncs queue/active, making earlier remove_entry() calls durable.
void sync_active(const std::string& queue_dir);
// Deletes queue/tmp files older than max_age_seconds (left by a crash mid-DATA).
void cleanup_tmp(const std::string& queue_dir, int64_t max_age_seconds);

}  // namespace magpie::queue
