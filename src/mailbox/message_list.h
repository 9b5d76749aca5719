// A folder's messages as sessions see them: MessageInfo, and MessageList, a list of them in
// shared chunks so that a snapshot after a change copies only the chunks that changed.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

namespace magpie::mailbox {

struct MessageInfo {
    uint32_t uid = 0;
    uint32_t flags = 0;  // Flag bits (flags.h)
    std::vector<std::string> keywords;
    uint64_t size = 0;
    int64_t internal_date = 0;  // kDateUnknown (index_file.h) until filled: see fill_dates()
    int64_t save_date = 0;
    uint64_t modseq = 0;
    bool in_new = false;  // not yet seen by any session (IMAP \Recent candidates)
    std::string path;
};

// Read like a const std::vector<MessageInfo>. A copy shares every chunk; at() and
// push_back() copy a chunk first when another list still holds it, so a flag change in a
// 10,000-message folder copies 256 entries instead of rebuilding 10,000, and a new
// message at the end copies at most the last chunk.
class MessageList {
  public:
    static constexpr size_t kChunk = 256;

    class const_iterator {
      public:
        using iterator_category = std::random_access_iterator_tag;
        using value_type = MessageInfo;
        using difference_type = std::ptrdiff_t;
        using pointer = const MessageInfo*;
        using reference = const MessageInfo&;

        const_iterator() = default;
        const_iterator(const MessageList* l, size_t i) : l_(l), i_(i) {}
        reference operator*() const { return (*l_)[i_]; }
        pointer operator->() const { return &(*l_)[i_]; }
        reference operator[](difference_type n) const { return (*l_)[i_ + n]; }
        const_iterator& operator++() { return ++i_, *this; }
        const_iterator operator++(int) { return {l_, i_++}; }
        const_iterator& operator--() { return --i_, *this; }
        const_iterator operator--(int) { return {l_, i_--}; }
        const_iterator& operator+=(difference_type n) { return i_ += n, *this; }
        const_iterator& operator-=(difference_type n) { return i_ -= n, *this; }
        friend const_iterator operator+(const_iterator a, difference_type n) { return a += n; }
        friend const_iterator operator+(difference_type n, const_iterator a) { return a += n; }
        friend const_iterator operator-(const_iterator a, difference_type n) { return a -= n; }
        friend difference_type operator-(const const_iterator& a, const const_iterator& b) {
            return static_cast<difference_type>(a.i_) - static_cast<difference_type>(b.i_);
        }
        friend bool operator==(const const_iterator& a, const const_iterator& b) {
            return a.i_ == b.i_;
        }
        friend auto operator<=>(const const_iterator& a, const const_iterator& b) {
            return a.i_ <=> b.i_;
        }

      private:
        const MessageList* l_ = nullptr;
        size_t i_ = 0;
    };

    size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    const MessageInfo& operator[](size_t i) const { return (*chunks_[i / kChunk])[i % kChunk]; }
    const MessageInfo& front() const { return (*this)[0]; }
    const MessageInfo& back() const { return (*this)[size_ - 1]; }
    const_iterator begin() const { return {this, 0}; }
    const_iterator end() const { return {this, size_}; }

    // The entry to change in place (its chunk copied first if shared).
    MessageInfo& at(size_t i) { return own(i / kChunk)[i % kChunk]; }
    void push_back(MessageInfo m) {
        if (size_ % kChunk == 0) {
            chunks_.push_back(std::make_shared<std::vector<MessageInfo>>());
            chunks_.back()->reserve(kChunk);
        }
        own(chunks_.size() - 1).push_back(std::move(m));
        ++size_;
    }
    std::vector<MessageInfo> to_vector() const { return {begin(), end()}; }
    // The first n entries, sharing every whole chunk among them.
    MessageList prefix(size_t n) const {
        if (n >= size_) return *this;
        MessageList out;
        out.chunks_.assign(chunks_.begin(),
                           chunks_.begin() + static_cast<std::ptrdiff_t>(n / kChunk));
        out.size_ = n / kChunk * kChunk;
        for (size_t i = out.size_; i < n; ++i) out.push_back((*this)[i]);
        return out;
    }
    // True when both lists hold chunk `c` (entries c*kChunk...) as one object: the same
    // messages, unchanged.
    bool same_chunk(const MessageList& other, size_t c) const {
        return c < chunks_.size() && c < other.chunks_.size() && chunks_[c] == other.chunks_[c];
    }

  private:
    std::vector<MessageInfo>& own(size_t c) {
        auto& p = chunks_[c];
        if (p.use_count() != 1) {
            p = std::make_shared<std::vector<MessageInfo>>(*p);
        } else {
            // Sole owner: every other list that held the chunk has released it, and the
            // acquire pairs with that release before the chunk is written.
            std::atomic_thread_fence(std::memory_order_acquire);
        }
        return *p;
    }

    std::vector<std::shared_ptr<std::vector<MessageInfo>>> chunks_;
    size_t size_ = 0;
};

}  // namespace magpie::mailbox
