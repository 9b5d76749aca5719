// Internal to the parser: a cursor over one raw command with the RFC 9051 §9 lexical
// rules (atom, astring, string, literal, number, ...). Errors throw ParseError, which
// parse_command() turns into a BAD response; nothing escapes the library.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "imap/proto/command.h"

namespace magpie::imap::detail {

struct ParseError {
    std::string message;
};

class Cursor {
  public:
    Cursor(std::string_view raw, const ParseOptions& options) : raw_(raw), opt_(options) {}

    [[noreturn]] void fail(const std::string& message) const;

    // True at the end of the command line (only the line ending remains).
    bool at_end() const;
    // Requires the end of the command.
    void end();
    char peek() const { return pos_ < raw_.size() ? raw_[pos_] : '\0'; }
    bool eat(char c);
    void expect(char c);
    // Exactly one SP (RFC 9051 §9 SP).
    void sp() { expect(' '); }
    // Case-insensitive keyword followed by a non-atom character.
    bool eat_word(std::string_view word);

    // 1*ATOM-CHAR (RFC 9051 §9 atom); `extra` also allows those characters (e.g. "]").
    std::string_view atom(std::string_view extra = {});
    std::string upper_atom(std::string_view extra = {});
    // RFC 9051 §9 astring: 1*ASTRING-CHAR / string.
    std::string astring();
    // RFC 9051 §9 string: quoted / literal. `binary` (when non-null) accepts literal8.
    std::string string(bool* binary = nullptr);
    bool at_string() const;
    // RFC 9051 §9 nstring: string / NIL; `present` false for NIL.
    std::string nstring(bool& present);
    uint32_t number();
    uint32_t nz_number();
    uint64_t number64();
    uint64_t nz_number64();
    // sequence-set as one token; `allow_saved` permits "$" (RFC 5182).
    SeqSet seqset(bool allow_saved = true);
    // RFC 9051 §9 mailbox: astring decoded from modified UTF-7 (or UTF-8 with UTF8=ACCEPT).
    Mailbox mailbox();
    // RFC 9051 §9 list-mailbox: 1*list-char / string, decoded like a mailbox; nullopt when
    // it is not valid modified UTF-7 (no mailbox can match it).
    std::optional<std::string> list_mailbox();
    // A mailbox() argument was not a valid name (it came back undecoded).
    bool bad_name() const { return bad_name_; }
    // RFC 9051 §9 flag-list: "(" [flag *(SP flag)] ")".
    std::vector<std::string> flag_list();
    std::string flag();
    // RFC 9051 §9 date (quoted or not) and date-time (quoted).
    Date date();
    DateTime date_time();
    // Parentheses with depth accounting (kMaxNestingDepth).
    void open();
    void close();

    const ParseOptions& options() const { return opt_; }
    size_t pos() const { return pos_; }

  private:
    // The decoded name; nullopt when it is not valid modified UTF-7 / UTF-8.
    std::optional<std::string> decode_name(std::string_view raw_name, bool pattern);

    std::string_view raw_;
    bool bad_name_ = false;
    size_t pos_ = 0;
    int depth_ = 0;
    const ParseOptions& opt_;
};

bool is_atom_char(char c);

// Per-group parsers, each reading the arguments after the command name.
void parse_search_args(Cursor& c, Command& cmd);
void parse_sort_args(Cursor& c, Command& cmd);
void parse_thread_args(Cursor& c, Command& cmd);
SearchKey parse_search_program(Cursor& c);
void parse_fetch_args(Cursor& c, Command& cmd);
void parse_select_args(Cursor& c, Command& cmd);
void parse_create_args(Cursor& c, Command& cmd);
void parse_list_args(Cursor& c, Command& cmd);
void parse_lsub_args(Cursor& c, Command& cmd);
void parse_status_args(Cursor& c, Command& cmd);
void parse_append_args(Cursor& c, Command& cmd);
std::vector<StatusItem> parse_status_items(Cursor& c);

}  // namespace magpie::imap::detail
