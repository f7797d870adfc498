// SPDX-License-Identifier: GPL-3.0-or-later
// The labelled fingerprint database: entries, labels, which fields each entry actually knows, and
// the loaders (SynScope JSON, zardaxt 2021 JSON, p0f.fp, Satori tcp.xml) and the SynScope saver.
#pragma once

#include "core/fingerprint/fingerprint.h"

#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <optional>
#include <vector>

namespace synscope {

struct Label {
    QString os_name;     // "Linux", "Windows", "macOS", ...
    QString os_class;    // what class averages group by; the zardaxt import uses os_name
    QString version;
    QString device;      // "desktop", "mobile Apple iPhone", "desktop/server", ...
    QString notes;
    QString provenance;  // where the entry comes from ("imported from combined.json, entry 17")
};

// Which fields of DbEntry::fp carry information. A field that is not known (absent from the source,
// or a wildcard in p0f) is never scored by the synscope profile.
enum KnownField : uint32_t {
    KnownIpVersion = 1u << 0,
    KnownTtl = 1u << 1,          // fp.ip_ttl
    KnownDf = 1u << 2,
    KnownMf = 1u << 3,
    KnownWindow = 1u << 4,       // fp.tcp_window_size (or window_mss_multiple / window_mss_max)
    KnownFlags = 1u << 5,        // fp.tcp_flags (ECE/CWR included)
    KnownHeaderLength = 1u << 6,
    KnownOptions = 1u << 7,      // option layout and the MSS / wscale values written in it
    KnownMss = 1u << 8,          // fp.tcp_mss (may be -1 = "no MSS option")
    KnownWscale = 1u << 9,       // fp.tcp_window_scaling (may be -1 = "no window scale option")
    KnownTimestampValue = 1u << 10, // fp.tcp_timestamp holds the sender's TSval
    KnownQuirks = 1u << 11,      // fp.quirks lists every quirk of the source
    KnownAck = 1u << 12,         // fp.tcp_ack
    KnownUrp = 1u << 13,         // fp.tcp_urp
    KnownAll = (1u << 14) - 1,
};

struct DbEntry {
    QString id;
    // Stable identity of the entry, what rows and views refer to it by (never its position): the
    // store's id for an entry of a FingerprintStore snapshot, else its 1-based position in the file
    // it was read from; 0 for an entry built by hand (Database::uidOf() then gives position + 1).
    qint64 uid = 0;
    Fingerprint fp;
    Label label;
    uint32_t known = KnownAll;   // KnownField bits
    // p0f "mss*k": the window is k times the MSS, whatever the MSS; 0 when the window is literal.
    int window_mss_multiple = 0;
    // "mss*max": the window is the largest multiple of the MSS that fits in 65535, whatever the MSS
    // (Linux, Windows). A literal window that happens to be that multiple is read the same way by
    // the synscope profile, so this is only needed for entries without a literal window.
    bool window_mss_max = false;
};

// The one rule every reader and editor applies to an entry: the TTL is stored as the initial TTL
// (the next of 32, 64, 128, 255 at or above it), the "df" quirk says what ip_df says (or ip_df
// follows the quirk when only quirks are known), and a window given as a rule ("mss*K",
// "mss*max") has no literal window.
void normalize(DbEntry& entry);

// The entry a decoded SYN or SYN+ACK would be: every field it carries, known; the label and id
// are the caller's. Normalized. The round trip p0f offers by printing unknown signatures.
DbEntry entryFromFingerprint(const Fingerprint& fp);

// Every known field of an entry's fingerprint, as its JSON form writes it: two entries with the same
// key are the same fingerprint (a duplicate, or a conflict when their labels differ).
QByteArray fingerprintKey(const DbEntry& entry);

// One entry in SynScope JSON form (what Database::toJson() writes for each), and back: nullopt
// with *error naming `where` and the field. An entry without an id gets "entry-<index>".
QJsonObject entryToJson(const DbEntry& entry);
std::optional<DbEntry> entryFromJson(const QJsonValue& value, qsizetype index, const QString& where,
                                     QString* error);

// One entry or line a reader skipped, and why; the entries around it are still read.
struct Diagnostic {
    int line = 0;       // 1-based line in the file (p0f.fp, tcp.xml); 0 for the JSON formats
    int entry = -1;     // 0-based entry of the JSON formats; -1 for the line formats
    QString message;    // names the file, the line or entry, the field and the reason
};

// "Linux 6.1": an entry's OS name and version, its id when unlabelled, "(unlabelled)" without
// either. What every output names an entry by; the detail pane adds the device and the id.
QString entryLabel(const DbEntry& entry);

// Classes whose stacks SYNs cannot tell apart (Apple: macOS, iOS and iPadOS share XNU's TCP):
// when the best evidence spans them, the verdict names the family.
struct Family {
    QString name;              // "Apple"
    QStringList classes;       // "macOS", "iOS", "iPadOS"
};

class Database {
public:
    // The class of scanner and tool entries (masscan, nmap, ...): never reported as an OS.
    static inline const QString kScannerClass = QStringLiteral("Scanner");

    QString name;
    QString description;
    // Entries a class needs before its average score counts. 8 is the seed's rule for a database
    // of crowd-sourced samples; a curated one with one entry per stack default sets 1.
    int min_class_size = 8;
    std::vector<DbEntry> entries;
    std::vector<Family> families;   // a class belongs to at most one family
    // What the reader could not read; the entries are everything else. A file of which no entry
    // could be read is refused with the first of these as the error.
    std::vector<Diagnostic> skipped;

    // The family `osClass` belongs to; nullptr when none.
    const Family* familyOf(const QString& osClass) const;
    // The stable identity of entries[index] (DbEntry::uid); -1 for an index out of range.
    qint64 uidOf(int index) const
    {
        if (index < 0 || size_t(index) >= entries.size())
            return -1;
        return entries[size_t(index)].uid ? entries[size_t(index)].uid : index + 1;
    }

    // The largest database file (or content) read: 64 MiB, over 100 times the largest real one
    // (p0f.fp, Satori tcp.xml and the zardaxt list are each under 1 MiB). load() counts while it
    // reads, so a device or FIFO that never ends stops here.
    static constexpr qint64 kMaxFileBytes = qint64(64) * 1024 * 1024;

    // Reads a SynScope JSON database, a zardaxt 2021 JSON list, a p0f.fp file or a Satori tcp.xml
    // (the format is sniffed from the content), or takes the enabled entries of a SynScope store
    // (FingerprintStore, a SQLite file). On failure: nullopt and *error names the file and
    // the line or entry index and the field; input text in a message is quoted by at most its
    // first 80 characters and its length. More than kMaxFileBytes is refused ("larger than the
    // 64 MiB limit for a database file"), and so is an XML file with a DTD (Satori files have
    // none; its entities could expand a small file to gigabytes). A FIFO, socket or device is read
    // as data arrives: a FIFO's writer may come later, and a signal delivered without SA_RESTART
    // (synscope-cli's SIGINT/SIGTERM) ends the wait ("interrupted while waiting for data").
    static std::optional<Database> load(const QString& path, QString* error);
    // Parses in-memory content; `origin` names it in messages and provenance. The same limits.
    static std::optional<Database> parse(const QByteArray& content, const QString& origin,
                                         QString* error);
    // The default database compiled in as :/synscope/synscope-default.json. When the resource
    // cannot be parsed the database is empty and `description` carries the error.
    static Database builtin();
    // load(*path), or without a path builtin(), refused when it cannot be read: what a --db
    // option means.
    static std::optional<Database> loadOrBuiltin(const std::optional<QString>& path, QString* error);

    // Writes SynScope JSON (format "synscope-db", version 1).
    bool save(const QString& path, QString* error) const;
    QByteArray toJson() const;
};

} // namespace synscope
