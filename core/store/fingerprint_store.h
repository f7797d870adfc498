// SPDX-License-Identifier: GPL-3.0-or-later
// The user's editable fingerprint database: a SQLite file through Qt SQL (QSQLITE), in WAL mode,
// with a versioned schema. Every change is one transaction, so a crash leaves either all of it or
// none. Entries keep a stable integer id for their whole life; what classifies is a snapshot()
// of the enabled entries, an ordinary immutable Database. Used on one thread (Qt SQL connections
// are per thread); the snapshots go anywhere.
#pragma once

#include "core/database/database.h"

#include <QDateTime>
#include <QString>

#include <memory>
#include <optional>
#include <vector>

namespace synscope {

// Where an entry came from, for filtering and for "export my labelled entries".
enum class EntryOrigin : uint8_t {
    Default,    // seeded from the built-in database
    Imported,   // read from another database file
    Captured,   // labelled from a captured SYN (the user's own)
    Manual,     // typed in by the user
};
QString originName(EntryOrigin origin);                  // "default", "imported", ...
std::optional<EntryOrigin> originFromName(const QString& name);

struct StoredEntry {
    qint64 id = 0;              // stable; 0 before the store assigned one
    DbEntry entry;              // entry.id: the entry's unique name ("linux-6-default")
    EntryOrigin origin = EntryOrigin::Manual;
    bool enabled = true;
    QString author;
    QString user_agent;         // captured entries: the User-Agent the connection sent, if any
    QString capture_file;       // captured entries: the file or interface it came from
    QDateTime created;          // UTC; set by the store
    QDateTime modified;
};

// A captured SYN or SYN+ACK as an entry the user labels: its fingerprint (entryFromFingerprint()),
// the provenance naming the host, the capture, the frame and its time, and, when the connection
// sent a User-Agent, the OS it names as the proposed label. What "Add to Database" and
// `synscope-cli db add` both start from.
StoredEntry capturedEntry(const SynRecord& record, const QString& captureName,
                          const QString& userAgent = {});

// Which entries a listing or an export takes; an empty field takes every entry.
struct EntrySelection {
    QString os_class;
    std::optional<EntryOrigin> origin;
    bool mine_only = false;   // the user's own: captured and manual entries ("export my labelled entries")
    bool matches(const StoredEntry& entry) const;
};

enum class EntryFormat { SynScope, Zardaxt, Csv };
// "synscope", "zardaxt", "csv"; nullopt for another name.
std::optional<EntryFormat> entryFormatFromName(const QString& name);

struct StoreStats {
    int entries = 0;
    int enabled = 0;
    std::vector<std::pair<QString, int>> per_class;    // descending count, then name
    std::vector<std::pair<QString, int>> per_origin;
};

class FingerprintStore {
public:
    // The schema this build writes; open() migrates any older one.
    static constexpr int kSchemaVersion = 1;

    // $XDG_DATA_HOME/synscope/fingerprints.sqlite (QStandardPaths::AppDataLocation).
    static QString defaultPath();
    // A regular file that begins with SQLite's header: what open() takes, and the other readers
    // do not.
    static bool isStoreFile(const QString& path);

    // Opens (creating when absent) the store at `path`. A new store is seeded with `seed` (the
    // built-in database for the default store) in one transaction. Refuses a file that is not
    // SQLite, fails its quick check, or has a newer schema, naming the file; nothing is written
    // then. A read-only file opens read-only: every change is refused with a message.
    static std::unique_ptr<FingerprintStore> open(const QString& path, QString* error,
                                                  const Database* seed = nullptr);
    ~FingerprintStore();
    FingerprintStore(const FingerprintStore&) = delete;
    FingerprintStore& operator=(const FingerprintStore&) = delete;

    const QString& path() const { return m_path; }
    bool readOnly() const { return m_readOnly; }

    // Every entry, by id.
    std::vector<StoredEntry> entries() const;
    std::optional<StoredEntry> entry(qint64 id) const;
    // The enabled entries with the store's name, families and minimum class size: what a
    // classifier is built from.
    Database snapshot() const;
    // The same without entries: name, description, families and minimum class size.
    Database header() const;
    // What snapshot() makes of a header and the store's entries (by id): the enabled ones.
    static Database snapshotOf(Database header, std::vector<StoredEntry> entries);
    StoreStats stats() const;

    // Adds entries in one transaction; returns their ids in order. An entry whose name is taken
    // (or empty) gets a unique one. With `keepIds`, each StoredEntry::id is kept (undo of a
    // delete); otherwise ids are new.
    std::optional<std::vector<qint64>> add(std::vector<StoredEntry> entries, QString* error,
                                           bool keepIds = false);
    // Imports a whole database in one transaction: its entries (origin Imported), its families
    // where the store has none of that name, and its name, description and minimum class size
    // when the store has none yet.
    std::optional<std::vector<qint64>> importDatabase(const Database& db, QString* error);
    // Replaces an entry's fields and label (not its id, origin or created time).
    bool update(const StoredEntry& entry, QString* error);
    bool remove(const std::vector<qint64>& ids, QString* error);
    bool setEnabled(const std::vector<qint64>& ids, bool enabled, QString* error);

    // The selected entries written in `format`, with the store's name, description and families
    // (SynScope JSON keeps provenance, in id order: diff-friendly). Entries the format cannot
    // express are left out and named in *skipped; *exported counts those written.
    QByteArray exportEntries(EntryFormat format, const EntrySelection& selection,
                             std::vector<Diagnostic>* skipped, int* exported) const;

    // SQLite's integrity_check: "ok", or what it found.
    QString integrityCheck() const;

private:
    FingerprintStore() = default;
    bool migrate(QString* error);
    bool writeMeta(const Database& db, QString* error);
    bool mergeMeta(const Database& db, QString* error);
    template <class Body> bool transaction(const QString& what, QString* error, Body body);
    QString fail(const QString& what, const QString& why) const;

    QString m_path;
    QString m_connection;   // the Qt SQL connection's name, unique per store
    bool m_readOnly = false;
};

} // namespace synscope
