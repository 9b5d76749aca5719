// Service layer: training the system's Bayes classifier from message files and Maildir
// folders, and its progress. The token database is data_dir/filter/bayes.db, separate from
// the settings DB, so learning never holds the settings lock; it is safe beside a running
// server (SQLite WAL: the server keeps classifying while this learns). Also asks the running
// server for a Junk expiry run (a trigger file, store/paths.h).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "admin/service_impl.h"
#include "core/fs.h"
#include "filter/bayes_classifier.h"
#include "store/paths.h"

namespace magpie::admin {
namespace {

namespace stdfs = std::filesystem;

constexpr size_t kLearnBatch = 100;               // messages per transaction
constexpr uintmax_t kMaxMessageBytes = 64 << 20;  // bigger files are not mail to learn from

// The message files a path stands for: the file itself; the files in a Maildir's cur/ and
// new/; or, for any other folder, the files directly in it (not in its subfolders, not
// hidden ones), in name order. Problems go to `failed`.
std::vector<std::string> message_files(const std::string& path, std::vector<std::string>& failed) {
    std::error_code ec;
    auto st = stdfs::status(path, ec);
    if (ec || !stdfs::exists(st)) {
        failed.push_back(path + ": no such file or folder");
        return {};
    }
    if (stdfs::is_regular_file(st)) return {path};
    if (!stdfs::is_directory(st)) {
        failed.push_back(path + ": not a message file or a folder");
        return {};
    }
    std::vector<std::string> out;
    bool maildir = stdfs::is_directory(path + "/cur", ec) || stdfs::is_directory(path + "/new", ec);
    auto add_files = [&](const std::string& dir) {
        stdfs::directory_iterator it(dir, ec);
        if (ec) {
            failed.push_back(dir + ": " + ec.message());
            return;
        }
        for (const auto& e : it) {
            if (!e.is_regular_file(ec) || e.path().filename().string().starts_with(".")) continue;
            out.push_back(e.path().string());
        }
    };
    if (maildir) {
        for (const char* sub : {"/cur", "/new"})
            if (stdfs::is_directory(path + sub, ec)) add_files(path + sub);
    } else {
        add_files(path);
    }
    std::sort(out.begin(), out.end());
    return out;
}

bool read_file(const std::string& path, std::string& out, std::string& why) {
    std::error_code ec;
    auto size = stdfs::file_size(path, ec);
    if (ec) {
        why = ec.message();
        return false;
    }
    if (size > kMaxMessageBytes) {
        why = "larger than " + std::to_string(kMaxMessageBytes >> 20) + " MiB";
        return false;
    }
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    if (!in) {
        why = "unreadable";
        return false;
    }
    out = ss.str();
    // A message starts with a header field ("Name: value", RFC 5322 §2.2) or an mbox
    // "From " line; anything else (a README, a picture) is not learned.
    size_t colon = out.find(':');
    size_t eol = out.find('\n');
    bool header = colon != std::string::npos && colon > 0 && colon < eol &&
                  std::all_of(out.begin(), out.begin() + static_cast<long>(colon),
                              [](char c) { return c > ' ' && c < 127 && c != ':'; });
    if (!header && !out.starts_with("From ")) {
        why = "not a message";
        return false;
    }
    return true;
}

void tally(SpamLearnSummary& s, const std::vector<filter::LearnResult>& results) {
    for (const auto& r : results) {
        ++s.messages;
        s.learned += r.learned;
        s.moved += r.moved;
        s.already_known += r.already_known;
    }
}

template <typename T>
Result<T> guarded(const std::function<Result<T>()>& body) {
    try {
        return body();
    } catch (const std::exception& e) {
        return Status::error(Errc::Internal, std::string("Bayes database: ") + e.what());
    }
}

}  // namespace

Result<SpamLearnSummary> Service::spam_learn(const std::vector<std::string>& paths, bool spam) {
    if (paths.empty()) return Status::error(Errc::Invalid, "no message files or folders given");
    return guarded<SpamLearnSummary>([&]() -> Result<SpamLearnSummary> {
        filter::Bayes bayes(filter::bayes_path(impl_->data_dir));
        SpamLearnSummary sum;
        std::vector<std::string> batch;
        auto flush = [&] {
            tally(sum,
                  bayes.learn(std::vector<std::string_view>(batch.begin(), batch.end()), spam));
            batch.clear();
        };
        for (const auto& p : paths) {
            for (const auto& file : message_files(p, sum.failed)) {
                std::string raw, why;
                if (!read_file(file, raw, why)) {
                    sum.failed.push_back(file + ": " + why);
                    continue;
                }
                batch.push_back(std::move(raw));
                if (batch.size() >= kLearnBatch) flush();
            }
        }
        if (!batch.empty()) flush();
        return sum;
    });
}

Result<SpamLearnSummary> Service::spam_learn_message(std::string_view raw, bool spam) {
    return guarded<SpamLearnSummary>([&]() -> Result<SpamLearnSummary> {
        filter::Bayes bayes(filter::bayes_path(impl_->data_dir));
        SpamLearnSummary sum;
        tally(sum, {bayes.learn(raw, spam)});
        return sum;
    });
}

Result<SpamProgress> Service::spam_progress() {
    return guarded<SpamProgress>([&]() -> Result<SpamProgress> {
        filter::Bayes bayes(filter::bayes_path(impl_->data_dir));
        auto p = bayes.progress();
        int64_t need = p.min_spam + p.min_ham;
        int64_t have = std::min(p.spam_learned, p.min_spam) + std::min(p.ham_learned, p.min_ham);
        int percent = need > 0 ? static_cast<int>(have * 100 / need) : 100;
        return SpamProgress{p.spam_learned, p.ham_learned, p.min_spam,
                            p.min_ham,      p.active,      percent};
    });
}

Status Service::spam_expire() {
    try {
        std::string trigger = store::junk_expiry_trigger(impl_->data_dir);
        fs::make_dirs(trigger.substr(0, trigger.rfind('/')));
        fs::write_file_atomic(trigger, "");
        return {};
    } catch (const std::exception& e) {
        return Status::error(Errc::Internal, std::string("cannot request the expiry: ") + e.what());
    }
}

}  // namespace magpie::admin
