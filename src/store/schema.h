// The settings DB schema: creation and step-by-step migration keyed by PRAGMA user_version,
// and the generation counter every writer bumps so running servers reload.
#pragma once
#include <cstdint>

#include "store/db.h"

namespace magpie::store {

inline constexpr int kSchemaVersion = 5;

// Creates or upgrades the schema; throws DbError if the file is newer than this program.
void ensure_schema(Db& db);
// Call inside the writing transaction.
void bump_generation(Db& db);
uint64_t read_generation(Db& db);

}  // namespace magpie::store
