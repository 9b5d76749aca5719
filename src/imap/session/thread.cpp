// THREAD (RFC 5256 §4): ORDEREDSUBJECT, and REFERENCES (steps 1-6 of §4, the Zawinski
// algorithm). Trees are walked with explicit stacks: reply chains can be thousands deep.
#include <algorithm>
#include <string_view>
#include <unordered_map>

#include "imap/session/base_subject.h"
#include "imap/session/casefold.h"
#include "imap/session/sort.h"
#include "imap/session/sort_keys.h"

namespace magpie::imap {

namespace {

struct ThreadMsg {
    uint32_t seq = 0;
    uint32_t number = 0;  // what the response lists: seq or UID
    int64_t date = 0;
    std::string subject;  // base subject, folded
    bool reply = false;
    std::string id;
    std::vector<std::string> refs;
};

// The msg-ids ("<...>", whitespace removed) of a header value, in order.
std::vector<std::string> message_ids(std::string_view v, size_t max = SIZE_MAX) {
    std::vector<std::string> out;
    size_t pos = 0;
    while (out.size() < max) {
        size_t open = v.find('<', pos);
        if (open == std::string_view::npos) break;
        size_t close = v.find('>', open + 1);
        if (close == std::string_view::npos) break;
        size_t again = v.find('<', open + 1);
        if (again < close) {  // "<a <b@c>": the id starts at the later bracket
            pos = again;
            continue;
        }
        std::string id;
        for (char c : v.substr(open + 1, close - open - 1))
            if (c != ' ' && c != '\t' && c != '\r' && c != '\n') id.push_back(c);
        if (!id.empty()) out.push_back(std::move(id));
        pos = close + 1;
    }
    return out;
}

std::vector<ThreadMsg> collect(const std::vector<uint32_t>& seqs, std::vector<MessageData>& msgs,
                               bool uid, bool references) {
    std::vector<uint32_t> sorted = seqs;
    std::sort(sorted.begin(), sorted.end());
    sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
    std::vector<ThreadMsg> out;
    for (uint32_t seq : sorted) {
        if (seq == 0 || seq > msgs.size()) continue;
        MessageData& m = msgs[seq - 1];
        std::vector<mime::HeaderField> fields = read_header(m);
        ThreadMsg t;
        t.seq = seq;
        t.number = uid ? m.info().uid : seq;
        t.date = sent_date(fields, m.info().internal_date);
        BaseSubject b = extract_base_subject(decoded_field(fields, "subject"));
        t.subject = fold(b.text);
        t.reply = b.reply_or_forward;
        if (references) {
            if (const auto* f = mime::find_field(fields, "message-id")) {
                auto ids = message_ids(f->raw_value, 1);
                if (!ids.empty()) t.id = std::move(ids[0]);
            }
            if (const auto* f = mime::find_field(fields, "references"))
                t.refs = message_ids(f->raw_value);
            if (t.refs.empty())
                if (const auto* f = mime::find_field(fields, "in-reply-to"))
                    t.refs = message_ids(f->raw_value, 1);
        }
        m.release();
        out.push_back(std::move(t));
    }
    return out;
}

bool earlier(const ThreadMsg& a, const ThreadMsg& b) {
    return a.date != b.date ? a.date < b.date : a.seq < b.seq;
}

class Threader {
  public:
    explicit Threader(const std::vector<ThreadMsg>& msgs) : msgs_(msgs) {}

    std::string run() {
        link_references();
        gather_roots();
        prune();
        sort_roots();
        group_by_subject();
        sort_all();
        std::string out;
        for (int r : roots_) {
            out += '(';
            write(r, out);
            out += ')';
        }
        return out;
    }

  private:
    struct Container {
        int msg = -1;  // index into msgs_; -1 for a dummy
        int parent = -1;
        std::vector<int> children;
        bool removed = false;
    };

    const std::vector<ThreadMsg>& msgs_;
    std::vector<Container> c_;
    std::unordered_map<std::string_view, int> by_id_;
    std::vector<int> roots_;

    bool dummy(int n) const { return c_[n].msg < 0; }

    int create() {
        c_.emplace_back();
        return int(c_.size()) - 1;
    }

    int get(std::string_view id) {
        auto it = by_id_.find(id);
        if (it != by_id_.end()) return it->second;
        int n = create();
        by_id_.emplace(id, n);
        return n;
    }

    // True when `a` is `b` or one of its ancestors.
    bool ancestor_or_self(int a, int b) const {
        for (int n = b; n >= 0; n = c_[n].parent)
            if (n == a) return true;
        return false;
    }

    void link(int parent, int child) {
        c_[child].parent = parent;
        c_[parent].children.push_back(child);
    }

    void unlink(int child) {
        int p = c_[child].parent;
        if (p < 0) return;
        auto& ch = c_[p].children;
        ch.erase(std::find(ch.begin(), ch.end(), child));
        c_[child].parent = -1;
    }

    // Step 1.
    void link_references() {
        for (size_t i = 0; i < msgs_.size(); ++i) {
            const ThreadMsg& m = msgs_[i];
            int self;
            auto it = m.id.empty() ? by_id_.end() : by_id_.find(m.id);
            if (m.id.empty() || (it != by_id_.end() && !dummy(it->second)))
                self = create();  // no id, or a duplicate: a unique one (step 1.A)
            else
                self = get(m.id);
            c_[self].msg = int(i);
            for (size_t r = 0; r + 1 < m.refs.size(); ++r) {
                int a = get(m.refs[r]), b = get(m.refs[r + 1]);
                if (a != b && c_[b].parent < 0 && !ancestor_or_self(b, a)) link(a, b);
            }
            unlink(self);  // step 1.B: the last reference is the parent
            if (!m.refs.empty()) {
                int p = get(m.refs.back());
                if (!ancestor_or_self(self, p)) link(p, self);
            }
        }
    }

    // Step 2.
    void gather_roots() {
        for (size_t n = 0; n < c_.size(); ++n)
            if (c_[n].parent < 0) roots_.push_back(int(n));
    }

    // Every container below the roots, parents before their descendants.
    std::vector<int> preorder() const {
        std::vector<int> order, stack(roots_.rbegin(), roots_.rend());
        while (!stack.empty()) {
            int n = stack.back();
            stack.pop_back();
            order.push_back(n);
            for (auto it = c_[n].children.rbegin(); it != c_[n].children.rend(); ++it)
                stack.push_back(*it);
        }
        return order;
    }

    // Step 3: dummies go; their children move up, but not to the root unless alone.
    void prune() {
        std::vector<int> order = preorder();
        for (auto it = order.rbegin(); it != order.rend(); ++it) {
            Container& n = c_[*it];
            std::vector<int> kept;
            for (int ch : n.children) {
                if (!dummy(ch)) {
                    kept.push_back(ch);
                    continue;
                }
                for (int g : c_[ch].children) {
                    c_[g].parent = *it;
                    kept.push_back(g);
                }
                c_[ch].children.clear();
                c_[ch].parent = -1;
            }
            n.children = std::move(kept);
        }
        std::vector<int> roots;
        for (int r : roots_) {
            if (!dummy(r) || c_[r].children.size() > 1) {
                roots.push_back(r);
            } else if (c_[r].children.size() == 1) {
                int only = c_[r].children[0];
                c_[only].parent = -1;
                c_[r].children.clear();
                roots.push_back(only);
            }
        }
        roots_ = std::move(roots);
    }

    // The message a container sorts and is grouped by: itself, or a dummy's first child.
    const ThreadMsg& rep(int n) const {
        while (dummy(n) && !c_[n].children.empty()) n = c_[n].children[0];
        return msgs_[c_[n].msg];
    }

    void sort_list(std::vector<int>& list) const {
        std::stable_sort(list.begin(), list.end(),
                         [&](int a, int b) { return earlier(rep(a), rep(b)); });
    }

    // Step 4.
    void sort_roots() {
        for (int r : roots_)
            if (dummy(r)) sort_list(c_[r].children);
        sort_list(roots_);
    }

    // Step 5.
    void group_by_subject() {
        std::unordered_map<std::string_view, int> table;
        for (int r : roots_) {
            const ThreadMsg& m = rep(r);
            if (m.subject.empty()) continue;
            auto [it, added] = table.emplace(m.subject, r);
            if (added) continue;
            int t = it->second;
            bool t_reply = !dummy(t) && rep(t).reply;
            if ((dummy(r) && !dummy(t)) || (t_reply && !m.reply && !dummy(r))) it->second = r;
        }
        std::unordered_map<int, size_t> slot;
        for (size_t i = 0; i < roots_.size(); ++i) slot[roots_[i]] = i;
        for (size_t i = 0; i < roots_.size(); ++i) {
            int r = roots_[i];
            if (c_[r].removed) continue;
            const ThreadMsg& m = rep(r);
            if (m.subject.empty()) continue;
            int& t = table[m.subject];
            if (t == r) continue;
            if (dummy(t) && dummy(r)) {
                for (int ch : c_[r].children) link(t, ch);
                c_[r].children.clear();
                c_[r].removed = true;
            } else if (dummy(t)) {
                link(t, r);
                c_[r].removed = true;
            } else if (dummy(r)) {
                link(r, t);
                c_[t].removed = true;
                t = r;
            } else if (m.reply && !rep(t).reply) {
                link(t, r);
                c_[r].removed = true;
            } else {
                int d = create();
                size_t s = slot[t];
                link(d, t);
                link(d, r);
                roots_[s] = d;
                c_[r].removed = true;
                t = d;
            }
        }
        std::erase_if(roots_, [&](int r) { return c_[r].removed; });
    }

    // Step 6: siblings by sent date, deepest first, so a dummy sorts by its first child.
    void sort_all() {
        std::vector<int> order = preorder();
        for (auto it = order.rbegin(); it != order.rend(); ++it) sort_list(c_[*it].children);
        sort_list(roots_);
    }

    // RFC 5256 §4 thread-members / thread-nested, without the outer parentheses.
    void write(int root, std::string& out) const {
        enum Op { kNode, kOpen, kClose, kSpace };
        std::vector<std::pair<Op, int>> stack{{kNode, root}};
        auto push_nested = [&](const std::vector<int>& children) {
            for (auto it = children.rbegin(); it != children.rend(); ++it) {
                stack.push_back({kClose, 0});
                stack.push_back({kNode, *it});
                stack.push_back({kOpen, 0});
            }
        };
        while (!stack.empty()) {
            auto [op, n] = stack.back();
            stack.pop_back();
            if (op == kOpen) {
                out += '(';
            } else if (op == kClose) {
                out += ')';
            } else if (op == kSpace) {
                out += ' ';
            } else if (dummy(n)) {
                if (c_[n].children.size() == 1)
                    stack.push_back({kNode, c_[n].children[0]});
                else
                    push_nested(c_[n].children);
            } else {
                out += std::to_string(msgs_[c_[n].msg].number);
                const auto& ch = c_[n].children;
                if (ch.size() == 1) {
                    stack.push_back({kNode, ch[0]});
                    stack.push_back({kSpace, 0});
                } else if (ch.size() > 1) {
                    push_nested(ch);
                    stack.push_back({kSpace, 0});
                }
            }
        }
    }
};

// RFC 5256 §4 ORDEREDSUBJECT: groups of equal base subject, the first message the parent
// of the others; threads ordered by their first message.
std::string ordered_subject(std::vector<ThreadMsg>& msgs) {
    std::sort(msgs.begin(), msgs.end(), [](const ThreadMsg& a, const ThreadMsg& b) {
        int c = a.subject.compare(b.subject);
        return c != 0 ? c < 0 : earlier(a, b);
    });
    std::vector<std::pair<size_t, size_t>> groups;  // [begin, end)
    for (size_t i = 0; i < msgs.size();) {
        size_t j = i + 1;
        while (j < msgs.size() && msgs[j].subject == msgs[i].subject) ++j;
        groups.emplace_back(i, j);
        i = j;
    }
    std::sort(groups.begin(), groups.end(),
              [&](const auto& a, const auto& b) { return earlier(msgs[a.first], msgs[b.first]); });
    std::string out;
    for (auto [b, e] : groups) {
        out += '(';
        out += std::to_string(msgs[b].number);
        if (e - b == 2) {
            out += ' ';
            out += std::to_string(msgs[b + 1].number);
        } else if (e - b > 2) {
            out += ' ';
            for (size_t i = b + 1; i < e; ++i) out += "(" + std::to_string(msgs[i].number) + ")";
        }
        out += ')';
    }
    return out;
}

}  // namespace

std::string thread_messages(const std::string& algorithm, const std::vector<uint32_t>& seqs,
                            std::vector<MessageData>& msgs, bool uid) {
    if (algorithm == "ORDEREDSUBJECT") {
        std::vector<ThreadMsg> m = collect(seqs, msgs, uid, false);
        return ordered_subject(m);
    }
    if (algorithm == "REFERENCES") {
        std::vector<ThreadMsg> m = collect(seqs, msgs, uid, true);
        return Threader(m).run();
    }
    return {};
}

const std::vector<std::string>& thread_algorithms() {
    static const std::vector<std::string> kAlgorithms = {"ORDEREDSUBJECT", "REFERENCES"};
    return kAlgorithms;
}

}  // namespace magpie::imap
