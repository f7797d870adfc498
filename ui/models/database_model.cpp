// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/models/database_model.h"

#include <QColor>
#include <QFileInfo>
#include <QHash>
#include <QJsonObject>
#include <QLocale>
#include <QSet>
#include <QUndoCommand>
#include <QUndoStack>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace synscope {

// One change of the store. Its first redo() is the push itself, already applied by
// DatabaseModel::push(); a later undo or redo the store refuses drops the command.
class StoreCommand : public QUndoCommand {
public:
    StoreCommand(DatabaseModel* model, const QString& text, std::function<bool(QString*)> apply,
                 std::function<bool(QString*)> revert, std::function<std::vector<qint64>()> affected)
        : QUndoCommand(text), m_model(model), m_apply(std::move(apply)), m_revert(std::move(revert))
        , m_affected(std::move(affected))
    {
    }
    void redo() override
    {
        if (std::exchange(m_applied, false))
            return;
        run(m_apply);
    }
    void undo() override { run(m_revert); }

private:
    void run(const std::function<bool(QString*)>& step)
    {
        QString error;
        const bool ok = step(&error);
        if (!ok)
            setObsolete(true);
        m_model->refresh(m_affected());
        if (ok)
            Q_EMIT m_model->changed();
        else
            Q_EMIT m_model->failed(error);
    }

    DatabaseModel* m_model;
    std::function<bool(QString*)> m_apply;
    std::function<bool(QString*)> m_revert;
    std::function<std::vector<qint64>()> m_affected;
    bool m_applied = true;
};

namespace {

QString windowText(const DbEntry& e)
{
    if (!(e.known & KnownWindow))
        return {};
    if (e.window_mss_multiple > 0)
        return u"mss*%1"_s.arg(e.window_mss_multiple);
    if (e.window_mss_max)
        return u"mss*max"_s;
    return QString::number(e.fp.tcp_window_size);
}

QString labelKey(const DbEntry& e)
{
    return e.label.os_name + u'\x1f' + e.label.os_class + u'\x1f' + e.label.version;
}

} // namespace

DatabaseModel::DatabaseModel(FingerprintStore& store, QObject* parent)
    : QAbstractTableModel(parent), m_store(store), m_undo(new QUndoStack(this))
{
    reload();
}

DatabaseModel::~DatabaseModel() = default;

int DatabaseModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_entries.size());
}

int DatabaseModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : NUM_COLUMNS;
}

QVariant DatabaseModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char* const names[NUM_COLUMNS] = {"On", "Name", "OS", "Version", "Class", "Device", "Origin",
                                                   "Window", "TTL", "DF", "Options", "Conflict", "Provenance",
                                                   "Modified"};
    return section >= 0 && section < NUM_COLUMNS ? tr(names[section]) : QVariant();
}

Qt::ItemFlags DatabaseModel::flags(const QModelIndex& index) const
{
    if (!index.isValid())
        return Qt::NoItemFlags;
    Qt::ItemFlags f = Qt::ItemIsEnabled | Qt::ItemIsSelectable;
    if (m_store.readOnly())
        return f;
    switch (index.column()) {
    case Enabled:
    case Df: return f | Qt::ItemIsUserCheckable;
    case Origin:
    case Conflict:
    case Modified: return f;
    default: return f | Qt::ItemIsEditable;
    }
}

QVariant DatabaseModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || size_t(index.row()) >= m_entries.size())
        return {};
    const StoredEntry& s = m_entries[size_t(index.row())];
    const DbEntry& e = s.entry;
    const int column = index.column();
    switch (role) {
    case IdRole: return qlonglong(s.id);
    case ConflictRole: return int(m_conflict[size_t(index.row())]);
    case OriginRole: return originName(s.origin);
    case Qt::CheckStateRole:
        if (column == Enabled)
            return s.enabled ? Qt::Checked : Qt::Unchecked;
        if (column == Df && (e.known & KnownDf))
            return e.fp.ip_df ? Qt::Checked : Qt::Unchecked;
        return {};
    case Qt::ForegroundRole:
        if (!s.enabled)
            return QColor(Qt::gray);
        if (column == Conflict && m_conflict[size_t(index.row())] == Conflicting)
            return QColor(0xc6, 0x28, 0x28);
        return {};
    case Qt::ToolTipRole:
        if (column == Provenance || column == Conflict || column == Options)
            return data(index, Qt::DisplayRole);
        if (column == Name && !e.label.notes.isEmpty())
            return e.label.notes;
        return {};
    case SortRole:
        switch (column) {
        case Enabled: return int(s.enabled);
        case Window: return (e.known & KnownWindow) ? qlonglong(e.fp.tcp_window_size) + qlonglong(e.window_mss_multiple) * 100000 : -1;
        case Ttl: return (e.known & KnownTtl) ? int(e.fp.ip_ttl) : -1;
        case Df: return (e.known & KnownDf) ? int(e.fp.ip_df) : -1;
        case Conflict: return int(m_conflict[size_t(index.row())]);
        case Modified: return s.modified;
        default: return data(index, Qt::DisplayRole);
        }
    case Qt::EditRole:
    case Qt::DisplayRole:
        switch (column) {
        case Name: return e.id;
        case Os: return e.label.os_name;
        case Version: return e.label.version;
        case Class: return e.label.os_class;
        case Device: return e.label.device;
        case Origin: return originName(s.origin);
        case Window: return windowText(e);
        case Ttl: return (e.known & KnownTtl) ? QString::number(e.fp.ip_ttl) : QString();
        case Options: return (e.known & KnownOptions) ? QString::fromStdString(e.fp.tcpOptions()) : QString();
        case Conflict: return m_conflictText[size_t(index.row())];
        case Provenance: return e.label.provenance;
        case Modified: return role == Qt::DisplayRole ? QLocale().toString(s.modified.toLocalTime(), QLocale::ShortFormat)
                                                      : QVariant(s.modified);
        default: return {};
        }
    default: return {};
    }
}

std::optional<StoredEntry> DatabaseModel::edited(const StoredEntry& entry, int column, const QVariant& value,
                                                 QString* error)
{
    StoredEntry s = entry;
    Label& l = s.entry.label;
    const QString text = value.toString().trimmed();
    switch (column) {
    case Name:
        if (text.isEmpty()) {
            *error = tr("An entry needs a name.");
            return std::nullopt;
        }
        s.entry.id = text;
        return s;
    case Os: l.os_name = text; return s;
    case Version: l.version = text; return s;
    case Device: l.device = text; return s;
    case Provenance: l.provenance = text; return s;
    case Class:
        if (text.isEmpty()) {
            *error = tr("An entry needs a class.");
            return std::nullopt;
        }
        l.os_class = text;
        return s;
    case Enabled:
        s.enabled = value.toInt() == Qt::Checked;
        return s;
    case Df:
        s.entry.fp.ip_df = value.toInt() == Qt::Checked;
        s.entry.known |= KnownDf;
        normalize(s.entry);   // the df quirk follows
        return s;
    case Window:
    case Ttl:
    case Options: {
        // The fingerprint is edited in its JSON form and read back by the reader of database
        // files: one parser, one set of ranges and messages for files and for typed values.
        QJsonObject json = entryToJson(s.entry);
        QJsonObject fp = json.value(u"fingerprint"_s).toObject();
        const QString key = column == Window ? u"tcp_window_size"_s
                            : column == Ttl  ? u"ip_ttl"_s
                                             : u"tcp_options"_s;
        bool isNumber = false;
        const int number = text.toInt(&isNumber);
        if (text.isEmpty())
            fp.remove(key);   // unknown: never scored
        else if (column == Options)
            fp.insert(key, text);
        else if (isNumber)
            fp.insert(key, number);
        else
            fp.insert(key, text);
        json.insert(u"fingerprint"_s, fp);
        QString why;
        std::optional<DbEntry> e = entryFromJson(json, 0, tr("the edited entry"), &why);
        if (!e) {
            *error = why;
            return std::nullopt;
        }
        e->uid = s.entry.uid;
        normalize(*e);
        s.entry = std::move(*e);
        return s;
    }
    default:
        *error = tr("This column cannot be edited.");
        return std::nullopt;
    }
}

bool DatabaseModel::setData(const QModelIndex& index, const QVariant& value, int role)
{
    if (!index.isValid() || !(flags(index) & (Qt::ItemIsEditable | Qt::ItemIsUserCheckable)))
        return false;
    if (role != Qt::EditRole && role != Qt::CheckStateRole)
        return false;
    const StoredEntry& before = m_entries[size_t(index.row())];
    if (role == Qt::EditRole && data(index, Qt::EditRole).toString() == value.toString().trimmed())
        return true;   // nothing changed: no command
    QString error;
    const std::optional<StoredEntry> after = edited(before, index.column(), value, &error);
    if (!after || !updateEntry(*after, &error)) {
        Q_EMIT editRejected(index, error);
        return false;
    }
    return true;
}

int DatabaseModel::firstRowFrom(qint64 id) const
{
    return int(std::lower_bound(m_entries.begin(), m_entries.end(), id,
                                [](const StoredEntry& s, qint64 v) { return s.id < v; })
               - m_entries.begin());
}

int DatabaseModel::rowOfId(qint64 id) const
{
    const int row = firstRowFrom(id);
    return size_t(row) < m_entries.size() && m_entries[size_t(row)].id == id ? row : -1;
}

QStringList DatabaseModel::classes() const
{
    QSet<QString> seen{Database::kScannerClass};
    for (const StoredEntry& s : m_entries)
        if (!s.entry.label.os_class.isEmpty())
            seen.insert(s.entry.label.os_class);
    QStringList out(seen.begin(), seen.end());
    out.sort(Qt::CaseInsensitive);
    return out;
}

std::vector<qint64> DatabaseModel::duplicateIds() const
{
    std::vector<qint64> ids;
    for (size_t r = 0; r < m_entries.size(); ++r)
        if (m_conflict[r] == Duplicate)
            ids.push_back(m_entries[r].id);
    return ids;
}

void DatabaseModel::findConflicts()
{
    m_conflict.assign(m_entries.size(), NoConflict);
    m_conflictText.assign(m_entries.size(), QString());
    // Classes of one family share their stacks (the reason families exist): not a conflict.
    const Database meta = m_store.header();
    const auto sameKind = [&](const QString& a, const QString& b) {
        const Family* f = meta.familyOf(a);
        return a == b || (f && f->classes.contains(b));
    };
    QHash<QByteArray, std::vector<size_t>> groups;
    for (size_t r = 0; r < m_entries.size(); ++r)
        groups[m_keys[r]].push_back(r);
    for (const std::vector<size_t>& rows : std::as_const(groups)) {
        if (rows.size() < 2)
            continue;
        // Rows are by id: the first of a group with a label is the oldest entry with it.
        QStringList classes;
        QHash<QString, size_t> firstOfLabel;
        for (size_t r : rows) {
            const DbEntry& e = m_entries[r].entry;
            firstOfLabel.insert(labelKey(e), std::min(r, firstOfLabel.value(labelKey(e), r)));
            if (!classes.contains(e.label.os_class))
                classes << e.label.os_class;
        }
        bool conflicting = false;
        for (const QString& c : std::as_const(classes))
            conflicting = conflicting || !sameKind(classes.front(), c);
        for (size_t r : rows) {
            const size_t first = firstOfLabel.value(labelKey(m_entries[r].entry));
            if (conflicting) {
                m_conflict[r] = Conflicting;
                m_conflictText[r] = tr("same fingerprint in other classes: %1").arg(classes.join(u", "_s));
            } else if (first != r) {
                m_conflict[r] = Duplicate;
                m_conflictText[r] = tr("duplicate of %1").arg(m_entries[first].entry.id);
            }
        }
    }
}

void DatabaseModel::reload()
{
    beginResetModel();
    m_entries = m_store.entries();
    m_keys.clear();
    m_keys.reserve(m_entries.size());
    for (const StoredEntry& e : m_entries)
        m_keys.push_back(fingerprintKey(e.entry));
    findConflicts();
    endResetModel();
}

void DatabaseModel::refresh(std::vector<qint64> ids)
{
    // A change of a few entries updates their rows; a large one (an import) reads everything.
    if (ids.size() > 2000) {
        reload();
        return;
    }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    for (qint64 id : ids) {
        const std::optional<StoredEntry> now = m_store.entry(id);
        const int row = firstRowFrom(id);
        const auto at = m_entries.begin() + row;
        const bool present = at != m_entries.end() && at->id == id;
        if (now && present) {
            m_entries[size_t(row)] = *now;
            m_keys[size_t(row)] = fingerprintKey(now->entry);
            Q_EMIT dataChanged(index(row, 0), index(row, NUM_COLUMNS - 1));
        } else if (now) {
            beginInsertRows({}, row, row);
            m_entries.insert(at, *now);
            m_keys.insert(m_keys.begin() + row, fingerprintKey(now->entry));
            m_conflict.insert(m_conflict.begin() + row, NoConflict);
            m_conflictText.insert(m_conflictText.begin() + row, QString());
            endInsertRows();
        } else if (present) {
            beginRemoveRows({}, row, row);
            m_entries.erase(at);
            m_keys.erase(m_keys.begin() + row);
            m_conflict.erase(m_conflict.begin() + row);
            m_conflictText.erase(m_conflictText.begin() + row);
            endRemoveRows();
        }
    }
    findConflicts();
    if (!m_entries.empty())
        Q_EMIT dataChanged(index(0, Conflict), index(int(m_entries.size()) - 1, Conflict));
}

Database DatabaseModel::snapshot() const
{
    return FingerprintStore::snapshotOf(m_store.header(), m_entries);
}

bool DatabaseModel::push(const QString& text, std::function<bool(QString*)> apply,
                         std::function<bool(QString*)> revert, std::function<std::vector<qint64>()> affected,
                         QString* error)
{
    if (!apply(error))
        return false;
    refresh(affected());
    m_undo->push(new StoreCommand(this, text, std::move(apply), std::move(revert), std::move(affected)));
    Q_EMIT changed();
    return true;
}

bool DatabaseModel::addEntries(std::vector<StoredEntry> entries, const QString& text, QString* error,
                               std::vector<qint64>* ids)
{
    if (entries.empty()) {
        *error = tr("Nothing to add.");
        return false;
    }
    // The first apply gives the entries their ids; a redo after an undo brings them back with the
    // same ids, so rows that were scored against them name them again.
    auto added = std::make_shared<std::vector<StoredEntry>>(std::move(entries));
    auto addedIds = std::make_shared<std::vector<qint64>>();
    const auto apply = [this, added, addedIds](QString* why) {
        const bool again = !addedIds->empty();
        const std::optional<std::vector<qint64>> got = m_store.add(*added, why, again);
        if (!got)
            return false;
        if (!again)
            for (size_t k = 0; k < got->size(); ++k)
                (*added)[k].id = (*got)[k];
        *addedIds = *got;
        return true;
    };
    const auto revert = [this, addedIds](QString* why) { return m_store.remove(*addedIds, why); };
    if (!push(text, apply, revert, [addedIds] { return *addedIds; }, error))
        return false;
    if (ids)
        *ids = *addedIds;
    return true;
}

bool DatabaseModel::removeEntries(const std::vector<qint64>& ids, const QString& text, QString* error)
{
    std::vector<StoredEntry> removed;
    for (qint64 id : ids)
        if (std::optional<StoredEntry> s = m_store.entry(id))
            removed.push_back(std::move(*s));
    if (removed.empty()) {
        *error = tr("No such entries.");
        return false;
    }
    const auto apply = [this, ids](QString* why) { return m_store.remove(ids, why); };
    const auto revert = [this, removed](QString* why) { return m_store.add(removed, why, true).has_value(); };
    return push(text, apply, revert, [ids] { return ids; }, error);
}

bool DatabaseModel::setEnabled(const std::vector<qint64>& ids, bool enabled, QString* error)
{
    std::vector<qint64> flipped;
    for (qint64 id : ids)
        if (const int row = rowOfId(id); row >= 0 && m_entries[size_t(row)].enabled != enabled)
            flipped.push_back(id);
    if (flipped.empty())
        return true;
    const QString text = enabled ? tr("Enable %n entries", nullptr, int(flipped.size()))
                                 : tr("Disable %n entries", nullptr, int(flipped.size()));
    const auto apply = [this, flipped, enabled](QString* why) { return m_store.setEnabled(flipped, enabled, why); };
    const auto revert = [this, flipped, enabled](QString* why) { return m_store.setEnabled(flipped, !enabled, why); };
    return push(text, apply, revert, [flipped] { return flipped; }, error);
}

bool DatabaseModel::updateEntry(const StoredEntry& after, QString* error)
{
    const std::optional<StoredEntry> before = m_store.entry(after.id);
    if (!before) {
        *error = tr("No such entry.");
        return false;
    }
    const auto apply = [this, after](QString* why) { return m_store.update(after, why); };
    const auto revert = [this, b = *before](QString* why) { return m_store.update(b, why); };
    return push(tr("Edit %1").arg(before->entry.id), apply, revert, [id = after.id] { return std::vector<qint64>{id}; },
                error);
}

bool DatabaseModel::importFile(const QString& path, QString* report, QString* error)
{
    std::optional<Database> db = Database::load(path, error);
    if (!db)
        return false;
    const std::vector<Diagnostic> skipped = db->skipped;
    const QString file = QFileInfo(path).fileName();
    auto imported = std::make_shared<std::vector<StoredEntry>>();
    auto importedIds = std::make_shared<std::vector<qint64>>();
    const auto apply = [this, db = std::make_shared<const Database>(std::move(*db)), imported,
                        importedIds](QString* why) {
        if (!importedIds->empty())   // a redo: the same entries with the same ids
            return m_store.add(*imported, why, true).has_value();
        const std::optional<std::vector<qint64>> got = m_store.importDatabase(*db, why);
        if (!got)
            return false;
        *importedIds = *got;
        for (qint64 id : *got)
            if (std::optional<StoredEntry> s = m_store.entry(id))
                imported->push_back(std::move(*s));
        return true;
    };
    const auto revert = [this, importedIds](QString* why) { return m_store.remove(*importedIds, why); };
    if (!push(tr("Import %1").arg(file), apply, revert, [importedIds] { return *importedIds; }, error))
        return false;
    QStringList lines{tr("%1: imported %n entries", nullptr, int(importedIds->size())).arg(file)};
    if (!skipped.empty()) {
        lines.front() += tr(", skipped %n", nullptr, int(skipped.size()));
        for (const Diagnostic& d : skipped)
            lines << d.message;
    }
    *report = lines.join(u'\n');
    return true;
}

DatabaseFilterModel::DatabaseFilterModel(QObject* parent) : QSortFilterProxyModel(parent)
{
    setSortRole(DatabaseModel::SortRole);
    setSortCaseSensitivity(Qt::CaseInsensitive);
}

void DatabaseFilterModel::setText(const QString& text)
{
    m_text = text.trimmed();
    invalidateFilter();
}

void DatabaseFilterModel::setOsClass(const QString& osClass)
{
    m_class = osClass;
    invalidateFilter();
}

void DatabaseFilterModel::setOrigin(const QString& origin)
{
    m_origin = origin;
    invalidateFilter();
}

void DatabaseFilterModel::setConflictsOnly(bool on)
{
    m_conflictsOnly = on;
    invalidateFilter();
}

bool DatabaseFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const
{
    const QAbstractItemModel* m = sourceModel();
    const auto cell = [&](int column) { return m->index(sourceRow, column, sourceParent); };
    if (!m_class.isEmpty() && cell(DatabaseModel::Class).data().toString() != m_class)
        return false;
    if (!m_origin.isEmpty() && cell(0).data(DatabaseModel::OriginRole).toString() != m_origin)
        return false;
    if (m_conflictsOnly && cell(0).data(DatabaseModel::ConflictRole).toInt() == DatabaseModel::NoConflict)
        return false;
    if (m_text.isEmpty())
        return true;
    for (int c = 0; c < DatabaseModel::NUM_COLUMNS; ++c)
        if (cell(c).data().toString().contains(m_text, Qt::CaseInsensitive))
            return true;
    return false;
}

} // namespace synscope
