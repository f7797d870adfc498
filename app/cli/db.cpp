// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/cli/db.h"

#include "core/pipeline/pipeline.h"
#include "core/store/fingerprint_store.h"

#include <QCommandLineParser>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>
#include <QSet>

#include <cstdio>
#include <map>

using namespace Qt::StringLiterals;

namespace synscope {

namespace {

void print(FILE* f, const QString& text)
{
    const QByteArray utf8 = text.toUtf8();
    std::fwrite(utf8.constData(), 1, size_t(utf8.size()), f);
}

void printJsonLine(const QJsonObject& o)
{
    print(stdout, QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact)) + u'\n');
}

QJsonObject storedJson(const StoredEntry& s)
{
    QJsonObject o = entryToJson(s.entry);
    o.insert(u"key"_s, s.id);
    o.insert(u"origin"_s, originName(s.origin));
    o.insert(u"enabled"_s, s.enabled);
    if (!s.author.isEmpty())
        o.insert(u"author"_s, s.author);
    if (!s.user_agent.isEmpty())
        o.insert(u"user_agent"_s, s.user_agent);
    if (!s.capture_file.isEmpty())
        o.insert(u"capture_file"_s, s.capture_file);
    o.insert(u"created"_s, s.created.toString(Qt::ISODateWithMs));
    o.insert(u"modified"_s, s.modified.toString(Qt::ISODateWithMs));
    return o;
}

QJsonArray diagnosticsJson(const std::vector<Diagnostic>& skipped)
{
    QJsonArray out;
    for (const Diagnostic& d : skipped) {
        QJsonObject o{{u"reason"_s, d.message}};
        if (d.line > 0)
            o.insert(u"line"_s, d.line);
        if (d.entry >= 0)
            o.insert(u"entry"_s, d.entry);
        out.append(o);
    }
    return out;
}

struct Command {
    QString name;
    QString usage;
    QString summary;
};

const Command kCommands[] = {
    {u"import"_s, u"FILE..."_s, u"Import SynScope JSON, zardaxt JSON, p0f.fp or Satori tcp.xml "
                               u"files, each in one transaction; prints what was skipped and why."_s},
    {u"export"_s, QString(), u"Write the entries as SynScope JSON (default), zardaxt JSON or CSV."_s},
    {u"list"_s, QString(), u"List the entries (--json: one per line)."_s},
    {u"add"_s, u"--from CAPTURE"_s, u"Add every distinct SYN fingerprint of a capture, labelled "
                                   u"with --os / --class / --version or, when the connection sent "
                                   u"a User-Agent, the OS it names."_s},
    {u"rm"_s, u"KEY|NAME..."_s, u"Delete entries by key (the number db list shows) or name."_s},
    {u"enable"_s, u"KEY|NAME..."_s, u"Enable entries."_s},
    {u"disable"_s, u"KEY|NAME..."_s, u"Disable entries: kept, but not used to classify."_s},
    {u"stats"_s, QString(), u"Entries per class and origin, and SQLite's integrity check."_s},
};

QString usage()
{
    QString text = u"Usage: synscope-cli db COMMAND [--db STORE] [--json] ...\n\n"
                   u"The store is a SQLite file; without --db, the user's own (%1), created from "
                   u"the built-in database the first time.\n\nCommands:\n"_s.arg(
                       FingerprintStore::defaultPath());
    for (const Command& c : kCommands)
        text += u"  %1 %2\n      %3\n"_s.arg(c.name, c.usage, c.summary);
    return text + u"\nsynscope-cli db COMMAND --help lists a command's options.\n"_s;
}

// Keys or names to keys; *error names what matched nothing.
std::optional<std::vector<qint64>> resolve(const FingerprintStore& store, const QStringList& args,
                                           QString* error)
{
    std::map<QString, qint64> byName;
    QSet<qint64> keys;
    for (const StoredEntry& s : store.entries()) {
        byName[s.entry.id] = s.id;
        keys.insert(s.id);
    }
    std::vector<qint64> out;
    for (const QString& a : args) {
        bool numeric = false;
        const qint64 key = a.toLongLong(&numeric);
        if (numeric && keys.contains(key))
            out.push_back(key);
        else if (const auto it = byName.find(a); it != byName.end())
            out.push_back(it->second);
        else {
            *error = u"no entry with key or name \"%1\""_s.arg(a.left(80));
            return std::nullopt;
        }
    }
    return out;
}

int importFiles(FingerprintStore& store, const QStringList& files, bool json)
{
    int status = 0;
    for (const QString& file : files) {
        QString error;
        std::optional<Database> db = Database::load(file, &error);
        if (!db) {
            print(stderr, u"synscope-cli db import: %1\n"_s.arg(error));
            if (json)
                printJsonLine({{u"file"_s, file}, {u"error"_s, error}});
            status = 1;
            continue;
        }
        const size_t n = db->entries.size();
        if (!store.importDatabase(*db, &error)) {
            print(stderr, u"synscope-cli db import: %1 (nothing of %2 was imported)\n"_s.arg(error, file));
            if (json)
                printJsonLine({{u"file"_s, file}, {u"error"_s, error}});
            status = 1;
            continue;
        }
        if (json) {
            printJsonLine({{u"file"_s, file}, {u"imported"_s, qint64(n)},
                           {u"skipped"_s, diagnosticsJson(db->skipped)}});
        } else {
            print(stdout, u"%1: imported %2 entries, skipped %3\n"_s.arg(file).arg(n).arg(
                              db->skipped.size()));
            for (const Diagnostic& d : db->skipped)
                print(stdout, u"  skipped: %1\n"_s.arg(d.message));
        }
    }
    return status;
}

int addFromCapture(FingerprintStore& store, const QCommandLineParser& p, bool json)
{
    const QString capture = p.value(u"from"_s);
    std::string openError;
    std::unique_ptr<PacketSource> source = PacketSource::openFile(capture.toStdString(), &openError);
    if (!source) {
        print(stderr, u"synscope-cli db add: %1\n"_s.arg(QString::fromStdString(openError)));
        return 2;
    }
    const QString host = p.value(u"host"_s);
    const bool synAck = p.isSet(u"syn-ack"_s);
    // One entry per distinct fingerprint (what the entry would store), the first SYN that had
    // it; a User-Agent its connection sent, once the flow stage saw one.
    std::map<QByteArray, StoredEntry> found;
    std::vector<QByteArray> order;
    const auto keyOf = [](const SynRecord& r) {
        return QJsonDocument(entryToJson(entryFromFingerprint(r.fp)).value(u"fingerprint"_s).toObject())
            .toJson(QJsonDocument::Compact);
    };
    const auto wanted = [&](const SynRecord& r) {
        if ((r.kind == PacketKind::SynAck) != synAck)
            return false;
        return host.isEmpty() || QString::fromStdString(formatAddress(r.src, r.fp.ip_version)) == host;
    };
    Pipeline pipeline(nullptr, Profile::synscope());
    pipeline.enableFlows();
    auto onRecord = [&](const Observation& o) {
        if (!wanted(*o.record))
            return;
        const QByteArray key = keyOf(*o.record);
        if (found.count(key))
            return;
        found.emplace(key, capturedEntry(*o.record, capture));
        order.push_back(key);
    };
    auto onStep = [](PacketSource::Status, bool) { return true; };
    auto onFlow = [&](const FlowObservation& f) {
        if (f.flow->user_agent.empty() || !wanted(f.flow->syn))
            return;
        const auto it = found.find(keyOf(f.flow->syn));
        if (it != found.end() && it->second.user_agent.isEmpty()) {
            StoredEntry relabelled = capturedEntry(
                f.flow->syn, capture, QString::fromStdString(f.flow->user_agent));
            relabelled.entry.id = it->second.entry.id;
            it->second = std::move(relabelled);
        }
    };
    CallbackSink sink(onRecord, onStep, onFlow);
    if (!pipeline.run(*source, sink)) {
        print(stderr, u"synscope-cli db add: %1: %2\n"_s.arg(capture, QString::fromStdString(pipeline.error())));
        return 2;
    }
    std::vector<StoredEntry> entries;
    int unlabelled = 0;
    for (const QByteArray& key : order) {
        StoredEntry s = found.at(key);
        Label& l = s.entry.label;
        if (p.isSet(u"os"_s))
            l.os_name = p.value(u"os"_s);
        if (p.isSet(u"class"_s))
            l.os_class = p.value(u"class"_s);
        else if (p.isSet(u"os"_s))
            l.os_class = l.os_name;
        if (p.isSet(u"version"_s))
            l.version = p.value(u"version"_s);
        if (p.isSet(u"device"_s))
            l.device = p.value(u"device"_s);
        if (p.isSet(u"notes"_s))
            l.notes = p.value(u"notes"_s);
        s.author = p.value(u"author"_s);
        if (l.os_class.isEmpty()) {
            ++unlabelled;
            continue;
        }
        entries.push_back(std::move(s));
    }
    if (entries.empty()) {
        print(stderr, u"synscope-cli db add: %1: %2 distinct %3 fingerprints%4, %5 without a label "
                      u"(give --os, or capture the connection's User-Agent); nothing added\n"_s
                          .arg(capture)
                          .arg(order.size())
                          .arg(synAck ? u"SYN+ACK"_s : u"SYN"_s)
                          .arg(host.isEmpty() ? QString() : u" from "_s + host)
                          .arg(unlabelled));
        return 1;
    }
    QString error;
    const auto ids = store.add(entries, &error);
    if (!ids) {
        print(stderr, u"synscope-cli db add: %1\n"_s.arg(error));
        return 1;
    }
    for (qint64 id : *ids) {
        const std::optional<StoredEntry> s = store.entry(id);
        if (!s)
            continue;
        if (json)
            printJsonLine(storedJson(*s));
        else
            print(stdout, u"added %1 %2: %3 (%4)\n"_s.arg(s->id).arg(s->entry.id, entryLabel(s->entry),
                                                          s->entry.label.provenance));
    }
    if (unlabelled)
        print(stderr, u"synscope-cli db add: %1 fingerprints without a label were not added\n"_s.arg(unlabelled));
    return 0;
}

} // namespace

int runDb(const QStringList& arguments)
{
    if (arguments.size() < 3 || arguments[2] == u"--help"_s || arguments[2] == u"-h"_s) {
        print(arguments.size() < 3 ? stderr : stdout, usage());
        return arguments.size() < 3 ? 2 : 0;
    }
    const QString command = arguments[2];
    if (std::none_of(std::begin(kCommands), std::end(kCommands),
                     [&](const Command& c) { return c.name == command; })) {
        print(stderr, u"synscope-cli db: unknown command \"%1\"\n\n"_s.arg(command.left(80)) + usage());
        return 2;
    }
    QCommandLineParser p;
    p.addHelpOption();
    p.addOption({u"db"_s, u"The store (a SQLite file); default: %1."_s.arg(FingerprintStore::defaultPath()), u"store"_s});
    p.addOption({u"json"_s, u"JSON output: one object per line."_s});
    if (command == u"export"_s) {
        p.addOption({u"format"_s, u"synscope (default), zardaxt or csv."_s, u"format"_s, u"synscope"_s});
        p.addOption({{u"o"_s, u"output"_s}, u"Write to this file (default: standard output)."_s, u"file"_s});
        p.addOption({u"mine"_s, u"Only the entries labelled from captures or typed in: ready to share."_s});
    }
    if (command == u"list"_s || command == u"export"_s) {
        p.addOption({u"class"_s, u"Only this OS class."_s, u"class"_s});
        p.addOption({u"origin"_s, u"Only this origin: default, imported, captured or manual."_s, u"origin"_s});
    }
    if (command == u"add"_s) {
        p.addOption({u"from"_s, u"The capture (pcap or pcapng)."_s, u"capture"_s});
        p.addOption({u"host"_s, u"Only SYNs from this address."_s, u"address"_s});
        p.addOption({u"syn-ack"_s, u"Take SYN+ACKs (a server's fingerprint) instead of SYNs."_s});
        p.addOption({u"os"_s, u"OS name (default: from the User-Agent)."_s, u"name"_s});
        p.addOption({u"class"_s, u"OS class (default: the OS name)."_s, u"class"_s});
        p.addOption({u"version"_s, u"OS version."_s, u"version"_s});
        p.addOption({u"device"_s, u"Device."_s, u"device"_s});
        p.addOption({u"notes"_s, u"Notes."_s, u"text"_s});
        p.addOption({u"author"_s, u"Who labelled it."_s, u"name"_s});
    }
    QStringList args = arguments;
    args.removeAt(2);
    args.removeAt(1);
    if (!p.parse(args)) {
        print(stderr, u"synscope-cli db %1: %2\n"_s.arg(command, p.errorText()));
        return 2;
    }
    if (p.isSet(u"help"_s)) {
        print(stdout, p.helpText());
        return 0;
    }
    const QStringList positional = p.positionalArguments();
    const bool wantsArgs = command == u"import"_s || command == u"rm"_s || command == u"enable"_s ||
                           command == u"disable"_s;
    if (wantsArgs != !positional.isEmpty() || (command == u"add"_s && !p.isSet(u"from"_s))) {
        print(stderr, u"synscope-cli db %1: %2\n"_s.arg(
                          command, wantsArgs ? u"name at least one file or entry"_s
                                   : command == u"add"_s ? u"give --from CAPTURE"_s
                                                        : u"takes no arguments"_s));
        return 2;
    }
    const bool json = p.isSet(u"json"_s);
    const QString path = p.isSet(u"db"_s) ? p.value(u"db"_s) : FingerprintStore::defaultPath();
    QString error;
    const Database builtin = p.isSet(u"db"_s) ? Database() : Database::builtin();
    std::unique_ptr<FingerprintStore> store =
        FingerprintStore::open(path, &error, p.isSet(u"db"_s) ? nullptr : &builtin);
    if (!store) {
        print(stderr, u"synscope-cli db %1: %2\n"_s.arg(command, error));
        return 2;
    }

    if (command == u"import"_s)
        return importFiles(*store, positional, json);
    if (command == u"add"_s)
        return addFromCapture(*store, p, json);
    if (command == u"rm"_s || command == u"enable"_s || command == u"disable"_s) {
        const auto ids = resolve(*store, positional, &error);
        const bool ok = ids && (command == u"rm"_s ? store->remove(*ids, &error)
                                                   : store->setEnabled(*ids, command == u"enable"_s, &error));
        if (!ok) {
            print(stderr, u"synscope-cli db %1: %2 (nothing changed)\n"_s.arg(command, error));
            return 1;
        }
        print(stdout, u"%1 %2 entries\n"_s.arg(command == u"rm"_s ? u"deleted"_s : command + u'd', QString::number(ids->size())));
        return 0;
    }
    if (command == u"stats"_s) {
        const StoreStats st = store->stats();
        const QString integrity = store->integrityCheck();
        if (json) {
            QJsonObject classes, origins;
            for (const auto& [c, n] : st.per_class)
                classes.insert(c, n);
            for (const auto& [o, n] : st.per_origin)
                origins.insert(o, n);
            printJsonLine({{u"store"_s, path}, {u"schema"_s, FingerprintStore::kSchemaVersion},
                           {u"entries"_s, st.entries}, {u"enabled"_s, st.enabled},
                           {u"per_class"_s, classes}, {u"per_origin"_s, origins},
                           {u"integrity"_s, integrity}});
        } else {
            print(stdout, u"%1: %2 entries, %3 enabled; integrity: %4\n"_s.arg(path).arg(st.entries).arg(st.enabled).arg(integrity));
            for (const auto& [o, n] : st.per_origin)
                print(stdout, u"  origin %1: %2\n"_s.arg(o).arg(n));
            for (const auto& [c, n] : st.per_class)
                print(stdout, u"  class %1: %2\n"_s.arg(c.isEmpty() ? u"(none)"_s : c).arg(n));
        }
        return integrity == u"ok"_s ? 0 : 1;
    }

    // list and export
    EntrySelection selection;
    if (p.isSet(u"class"_s))
        selection.os_class = p.value(u"class"_s);
    if (p.isSet(u"origin"_s)) {
        selection.origin = originFromName(p.value(u"origin"_s));
        if (!selection.origin) {
            print(stderr, u"synscope-cli db %1: unknown origin \"%2\": use default, imported, captured or manual\n"_s.arg(command, p.value(u"origin"_s).left(80)));
            return 2;
        }
    }
    selection.mine_only = command == u"export"_s && p.isSet(u"mine"_s);
    if (command == u"list"_s) {
        for (const StoredEntry& s : store->entries()) {
            if (!selection.matches(s))
                continue;
            if (json)
                printJsonLine(storedJson(s));
            else
                print(stdout, u"%1\t%2\t%3\t%4\t%5%6\n"_s.arg(s.id).arg(s.entry.id, entryLabel(s.entry),
                                                             originName(s.origin), s.entry.label.provenance,
                                                             s.enabled ? QString() : u"\t(disabled)"_s));
        }
        return 0;
    }
    const QString formatName = p.value(u"format"_s);
    const std::optional<EntryFormat> format = entryFormatFromName(formatName);
    if (!format) {
        print(stderr, u"synscope-cli db export: unknown format \"%1\": use synscope, zardaxt or csv\n"_s.arg(formatName.left(80)));
        return 2;
    }
    std::vector<Diagnostic> skipped;
    int exported = 0;
    const QByteArray bytes = store->exportEntries(*format, selection, &skipped, &exported);
    for (const Diagnostic& d : skipped)
        print(stderr, u"synscope-cli db export: %1\n"_s.arg(d.message));
    if (!p.isSet(u"output"_s)) {
        std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stdout);
        return 0;
    }
    QSaveFile file(p.value(u"output"_s));
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit()) {
        print(stderr, u"synscope-cli db export: %1: cannot write: %2\n"_s.arg(p.value(u"output"_s), file.errorString()));
        return 1;
    }
    print(stderr, u"exported %1 entries to %2\n"_s.arg(exported).arg(p.value(u"output"_s)));
    return 0;
}

} // namespace synscope
