// JSON forms of the Bayes training results and progress.
#include <boost/json.hpp>

#include "admin/json.h"

namespace magpie::admin {
namespace json = boost::json;

json::value to_json(const SpamLearnSummary& s) {
    json::array failed;
    for (const auto& f : s.failed) failed.emplace_back(f);
    return json::object{{"messages", s.messages},
                        {"learned", s.learned},
                        {"moved", s.moved},
                        {"already_known", s.already_known},
                        {"failed", std::move(failed)}};
}

json::value to_json(const SpamProgress& p) {
    return json::object{
        {"spam_learned", p.spam_learned}, {"ham_learned", p.ham_learned}, {"min_spam", p.min_spam},
        {"min_ham", p.min_ham},           {"active", p.active},           {"percent", p.percent}};
}

}  // namespace magpie::admin
