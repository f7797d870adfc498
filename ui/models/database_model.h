// SPDX-License-Identifier: GPL-3.0-or-later
// The database workbench's model: every entry of a FingerprintStore as a table row, edited in
// place, with every change (edit, enable/disable, add, delete, import, merge) one transaction in
// the store and one command on an undo stack. The store is the truth: the model shows what it
// holds after each change, and a change the store refuses (read-only, locked, full disk) changes
// nothing and says why. changed() tells the window to publish a new snapshot.
#pragma once

#include "core/store/fingerprint_store.h"

#include <QAbstractTableModel>
#include <QSortFilterProxyModel>

#include <functional>
#include <optional>
#include <vector>

class QUndoStack;

namespace synscope {

class DatabaseModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Columns { Enabled, Name, Os, Version, Class, Device, Origin, Window, Ttl, Df, Options,
                   Conflict, Provenance, Modified, NUM_COLUMNS };
    enum Roles {
        SortRole = Qt::UserRole,   // a number or text that sorts the column naturally
        IdRole,                    // qlonglong: the entry's stable id
        ConflictRole,              // int: a Conflict value
        OriginRole,                // QString: originName()
    };
    // The same fingerprint stored more than once: with the same label (OS, class, version) a
    // duplicate (the copies after the first are offered for merging); in classes that are not of
    // one family a conflict. Versions of one class sharing a fingerprint are neither.
    enum ConflictKind { NoConflict, Duplicate, Conflicting };

    // The store must outlive the model.
    explicit DatabaseModel(FingerprintStore& store, QObject* parent = nullptr);
    ~DatabaseModel() override;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    // Validates and stores the edit as one undoable command; an invalid value is refused with
    // editRejected() naming the field and the reason, and the entry stays as it was.
    bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;

    FingerprintStore& store() const { return m_store; }
    QUndoStack* undoStack() const { return m_undo; }
    const StoredEntry& entryAt(int row) const { return m_entries[size_t(row)]; }
    int rowOfId(qint64 id) const;
    // The classes entries may be given: those the store's entries use, and the scanner class.
    QStringList classes() const;
    // What store().snapshot() reads, made from the rows shown (they are read back after every
    // change): a new snapshot after an edit without reading every entry from SQLite again.
    Database snapshot() const;
    // Entries that repeat an earlier entry's fingerprint and label (what "Merge Duplicates" deletes).
    std::vector<qint64> duplicateIds() const;

    // An entry with one column set from text as the user typed it, validated by the same reader
    // that reads database files; nullopt with *error naming the field and the reason.
    static std::optional<StoredEntry> edited(const StoredEntry& entry, int column, const QVariant& value,
                                             QString* error);

    // Undoable changes; each is one transaction. False with *error when the store refused (then
    // nothing changed and nothing is on the undo stack).
    bool addEntries(std::vector<StoredEntry> entries, const QString& text, QString* error,
                    std::vector<qint64>* ids = nullptr);
    bool removeEntries(const std::vector<qint64>& ids, const QString& text, QString* error);
    bool setEnabled(const std::vector<qint64>& ids, bool enabled, QString* error);
    bool updateEntry(const StoredEntry& after, QString* error);
    // Reads any database format (Database::load) and adds its entries as imported ones. *report:
    // how many were imported, how many skipped, and each skipped line or entry with its reason.
    // Undo removes the imported entries; the families it declared (and the name and description,
    // for a store that had none) stay.
    bool importFile(const QString& path, QString* report, QString* error);

Q_SIGNALS:
    // The store changed (a change, its undo or its redo): a new snapshot is due.
    void changed();
    void editRejected(const QModelIndex& index, const QString& message);
    // An undo or redo the store refused; the command is dropped from the stack.
    void failed(const QString& message);

private:
    friend class StoreCommand;
    // Runs `apply`; on success pushes a command whose redo/undo are `apply` and `revert`, and
    // whose entries (`affected`, asked after each step) are read back from the store.
    bool push(const QString& text, std::function<bool(QString*)> apply, std::function<bool(QString*)> revert,
              std::function<std::vector<qint64>()> affected, QString* error);
    void reload();
    int firstRowFrom(qint64 id) const;   // the first row whose id is not below `id` (rows are by id)
    void refresh(std::vector<qint64> ids);   // these entries changed, appeared or went
    void findConflicts();

    FingerprintStore& m_store;
    QUndoStack* m_undo;
    std::vector<StoredEntry> m_entries;   // by id
    std::vector<QByteArray> m_keys;       // per row: fingerprintKey()
    std::vector<uint8_t> m_conflict;      // per row: ConflictKind
    std::vector<QString> m_conflictText;  // per row
};

// Filters by text (any shown column), class, origin and conflicts; sorts on SortRole.
class DatabaseFilterModel : public QSortFilterProxyModel {
    Q_OBJECT
public:
    explicit DatabaseFilterModel(QObject* parent = nullptr);
    void setText(const QString& text);
    void setOsClass(const QString& osClass);   // empty: any
    void setOrigin(const QString& origin);     // originName(); empty: any
    void setConflictsOnly(bool on);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;

private:
    QString m_text;
    QString m_class;
    QString m_origin;
    bool m_conflictsOnly = false;
};

} // namespace synscope
