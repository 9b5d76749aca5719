// Service layer: the mail queue under data_dir/queue (queue/queue_admin.h) — list, show,
// delete, resend. Works beside a running server: it reads committed entries only, and
// resend leaves a trigger file that the server's outbound queue manager acts on.
#include <ctime>
#include <system_error>

#include "admin/service_impl.h"
#include "queue/queue_admin.h"

namespace magpie::admin {
namespace {

std::string queue_dir(const Service::Impl& impl) {
    return impl.data_dir + "/queue";  // Config::queue_dir() for the DB's data_dir
}

QueueItemInfo info(const queue::QueueItem& q, int64_t now) {
    int64_t due = q.next_attempt ? q.next_attempt : q.arrival;
    return {q.id,      q.arrival,      q.size, q.sender, q.recipients, q.reason,
            q.attempts, q.next_attempt, now - due > kOverdueSeconds};
}

Status bad_id(std::string_view id) {
    return Status::error(Errc::Invalid, "'" + std::string(id) + "' is not a queue ID");
}

Status not_queued(std::string_view id) {
    return Status::error(Errc::NotFound, "no queued message with ID " + std::string(id));
}

}  // namespace

Result<std::vector<QueueItemInfo>> Service::queue_list() {
    return impl_->read<std::vector<QueueItemInfo>>([&]() -> Result<std::vector<QueueItemInfo>> {
        std::vector<QueueItemInfo> out;
        int64_t now = std::time(nullptr);
        for (auto& q : queue::list_queue(queue_dir(*impl_))) out.push_back(info(q, now));
        return out;
    });
}

Result<std::string> Service::queue_show(std::string_view id) {
    return impl_->read<std::string>([&]() -> Result<std::string> {
        if (!queue::valid_queue_id(id)) return bad_id(id);
        auto text = queue::show_message(queue_dir(*impl_), id);
        if (!text) return not_queued(id);
        return *text;
    });
}

Status Service::queue_delete(std::string_view id) {
    return impl_->read<bool>([&]() -> Result<bool> {
        if (!queue::valid_queue_id(id)) return bad_id(id);
        if (!queue::delete_queue_item(queue_dir(*impl_), id)) return not_queued(id);
        return true;
    });
}

Result<int> Service::queue_delete_all() {
    return impl_->read<int>([&]() -> Result<int> {
        int n = 0;
        auto dir = queue_dir(*impl_);
        for (auto& q : queue::list_queue(dir)) n += queue::delete_queue_item(dir, q.id) ? 1 : 0;
        return n;
    });
}

Status Service::queue_resend(std::string_view id) {
    return impl_->read<bool>([&]() -> Result<bool> {
        auto dir = queue_dir(*impl_);
        if (!id.empty()) {
            if (!queue::valid_queue_id(id)) return bad_id(id);
            if (!queue::get_queue_item(dir, id)) return not_queued(id);
        }
        queue::request_resend(dir, id);
        return true;
    });
}

}  // namespace magpie::admin
