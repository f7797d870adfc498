// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/cli/eval.h"

#include "core/database/database.h"
#include "core/match/evaluate.h"
#include "core/match/profile.h"

#include <QCommandLineParser>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>
#include <cstdio>

using namespace Qt::StringLiterals;

namespace synscope {

namespace {

void print(FILE* f, const QString& text)
{
    const QByteArray utf8 = text.toUtf8();
    std::fwrite(utf8.constData(), 1, size_t(utf8.size()), f);
}

double round3(double v)
{
    return std::round(v * 1000) / 1000;
}

QJsonArray bucketsJson(const std::vector<VerdictEvaluation::Bucket>& buckets)
{
    QJsonArray out;
    for (const auto& b : buckets) {
        if (!b.n)
            continue;
        out.append(QJsonObject{{u"low"_s, b.low},
                               {u"high"_s, std::min(b.high, 1.0)},
                               {u"n"_s, b.n},
                               {u"accuracy"_s, round3(double(b.correct) / b.n)},
                               {u"mean_confidence"_s, round3(b.confidence / b.n)}});
    }
    return out;
}

QJsonObject wrongJson(const VerdictEvaluation::Outcome& o, const Database& labelled)
{
    const DbEntry& entry = labelled.entries[size_t(o.index)];
    return QJsonObject{{u"index"_s, o.index},
                       {u"entry"_s, entryLabel(entry)},
                       {u"truth"_s, o.truth},
                       {u"verdict"_s, o.text},
                       {u"confidence"_s, round3(o.confidence)},
                       {u"fingerprint"_s, entryToJson(entry).value(u"fingerprint"_s)}};
}

QJsonObject toJson(const VerdictEvaluation& e, const QString& mode, const QString& db,
                   const QString& labelled, const QString& profile)
{
    QJsonObject perClass;
    for (const auto& [cls, p] : e.per_class)
        perClass.insert(cls, QJsonObject{{u"n"_s, p.truth},
                                         {u"predicted"_s, p.predicted},
                                         {u"recall"_s, round3(p.recall())},
                                         {u"precision"_s, round3(p.precision())}});
    QJsonObject confusion;
    for (const auto& [truth, row] : e.confusion) {
        QJsonObject r;
        for (const auto& [label, n] : row)
            r.insert(label, n);
        confusion.insert(truth, r);
    }
    QJsonArray thresholds;
    for (const auto& t : e.thresholds)
        thresholds.append(QJsonObject{{u"min_confidence"_s, t.at},
                                      {u"covered"_s, round3(e.evaluated ? double(t.covered) / e.evaluated : 0)},
                                      {u"accuracy"_s, round3(t.covered ? double(t.correct) / t.covered : 0)}});
    QJsonObject o{{u"mode"_s, mode},
                  {u"database"_s, db},
                  {u"profile"_s, profile},
                  {u"evaluated"_s, e.evaluated},
                  {u"skipped"_s, e.skipped},
                  {u"accuracy"_s, round3(e.accuracy())},
                  {u"family_accuracy"_s, round3(e.familyAccuracy())},
                  {u"unknown_rate"_s, round3(e.unknownRate())},
                  {u"scanner_verdicts"_s, e.scanner},
                  {u"per_class"_s, perClass},
                  {u"confusion"_s, confusion},
                  {u"thresholds"_s, thresholds},
                  {u"reliability"_s, bucketsJson(e.by_confidence)},
                  {u"by_score"_s, bucketsJson(e.by_score)}};
    if (!labelled.isEmpty())
        o.insert(u"labelled"_s, labelled);
    return o;
}

QString wrongText(const VerdictEvaluation& e, const Database& labelled)
{
    QString out = u"  wrong verdicts, families merged (#entry label: truth -> verdict, confidence; fingerprint):\n"_s;
    for (const VerdictEvaluation::Outcome* o : e.wrong()) {
        const DbEntry& entry = labelled.entries[size_t(o->index)];
        out += u"    #%1 %2: %3 -> %4, %5; %6\n"_s.arg(o->index)
                   .arg(entryLabel(entry), o->truth, o->text)
                   .arg(o->confidence, 0, 'f', 2)
                   .arg(QString::fromUtf8(fingerprintKey(entry)));
    }
    return out;
}

QString toText(const VerdictEvaluation& e, const QString& what)
{
    QString out = u"%1\n  evaluated %2 (skipped %3)\n  accuracy %4, with families merged %5, unknown %6, scanner verdicts %7\n"_s
                      .arg(what)
                      .arg(e.evaluated)
                      .arg(e.skipped)
                      .arg(e.accuracy(), 0, 'f', 3)
                      .arg(e.familyAccuracy(), 0, 'f', 3)
                      .arg(e.unknownRate(), 0, 'f', 3)
                      .arg(e.scanner);
    out += u"  per class (n, recall, precision):\n"_s;
    for (const auto& [cls, p] : e.per_class)
        if (p.truth)
            out += u"    %1  %2  %3  %4\n"_s.arg(cls, -24).arg(p.truth, 5).arg(p.recall(), 5, 'f', 3).arg(p.precision(), 5, 'f', 3);
    out += u"  confidence >= t: share of entries answered, accuracy\n"_s;
    for (const auto& t : e.thresholds)
        out += u"    %1  %2  %3\n"_s.arg(t.at, 0, 'f', 1)
                   .arg(e.evaluated ? double(t.covered) / e.evaluated : 0, 5, 'f', 3)
                   .arg(t.covered ? double(t.correct) / t.covered : 0, 5, 'f', 3);
    out += u"  reliability (confidence bucket: n, mean confidence, accuracy):\n"_s;
    for (const auto& b : e.by_confidence)
        if (b.n)
            out += u"    [%1, %2)  %3  %4  %5\n"_s.arg(b.low, 0, 'f', 1).arg(std::min(b.high, 1.0), 0, 'f', 1)
                       .arg(b.n, 5).arg(b.confidence / b.n, 5, 'f', 3).arg(double(b.correct) / b.n, 5, 'f', 3);
    out += u"  confusion (truth: verdict n, ...):\n"_s;
    for (const auto& [truth, row] : e.confusion) {
        QStringList cells;
        for (const auto& [label, n] : row)
            cells << u"%1 %2"_s.arg(label).arg(n);
        out += u"    %1: %2\n"_s.arg(truth, cells.join(u", "_s));
    }
    return out;
}

} // namespace

int runEval(const QStringList& arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        u"Measures the verdict on labelled entries. Without --against: leave-one-out over the "
        "labelled entries of --db (each entry against all others minus its exact duplicates). "
        "With --against FILE: every labelled entry of FILE classified with --db (default: the "
        "built-in database), out of sample."_s);
    parser.addHelpOption();
    const QCommandLineOption dbOpt(u"db"_s, u"The database (default: the built-in one)."_s, u"file"_s);
    const QCommandLineOption againstOpt(u"against"_s, u"Labelled entries to classify with --db."_s, u"file"_s);
    const QCommandLineOption profileOpt(u"profile"_s, u"Scoring profile: synscope (default) or classic."_s,
                                        u"name"_s, u"synscope"_s);
    const QCommandLineOption jsonOpt(u"json"_s, u"One JSON object: accuracy, family_accuracy, unknown_rate, per_class, confusion, ..."_s);
    const QCommandLineOption listOpt(u"list"_s, u"Also list every entry the verdict gets wrong (families merged), with its fingerprint and the verdict."_s);
    parser.addOptions({dbOpt, againstOpt, profileOpt, jsonOpt, listOpt});
    QStringList args = arguments;
    args.removeAt(1);   // "eval"
    if (!parser.parse(args)) {
        print(stderr, u"synscope-cli eval: "_s + parser.errorText() + u'\n');
        return 2;
    }
    if (parser.isSet(u"help"_s)) {
        print(stdout, parser.helpText());
        return 0;
    }
    const Profile* profile = Profile::byName(parser.value(profileOpt));
    if (!profile) {
        print(stderr, u"synscope-cli eval: unknown profile '%1': use synscope or classic\n"_s.arg(parser.value(profileOpt)));
        return 2;
    }
    QString error;
    const std::optional<Database> db = Database::loadOrBuiltin(
        parser.isSet(dbOpt) ? std::optional(parser.value(dbOpt)) : std::nullopt, &error);
    if (!db) {
        print(stderr, u"synscope-cli eval: "_s + error + u'\n');
        return 2;
    }
    VerdictEvaluation e;
    QString labelledName;
    QString what;
    std::optional<Database> against;
    const Database* labelled = &*db;   // the entries evaluated: --db's own, or --against's
    if (parser.isSet(againstOpt)) {
        against = Database::load(parser.value(againstOpt), &error);
        if (!against) {
            print(stderr, u"synscope-cli eval: "_s + error + u'\n');
            return 2;
        }
        labelled = &*against;
        labelledName = labelled->name;
        e = evaluateAgainst(*db, *labelled, *profile);
        what = u"%1 (%2 entries) classified with %3 (%4 entries), profile %5"_s.arg(labelled->name)
                   .arg(labelled->entries.size())
                   .arg(db->name)
                   .arg(db->entries.size())
                   .arg(profile->name());
    } else {
        e = evaluateLeaveOneOut(*db, *profile);
        what = u"leave-one-out on %1 (%2 entries), profile %3"_s.arg(db->name).arg(db->entries.size()).arg(profile->name());
    }
    const bool list = parser.isSet(listOpt);
    if (parser.isSet(jsonOpt)) {
        QJsonObject o = toJson(e, parser.isSet(againstOpt) ? u"against"_s : u"leave-one-out"_s, db->name,
                               labelledName, profile->name());
        if (list) {
            QJsonArray wrong;
            for (const VerdictEvaluation::Outcome* w : e.wrong())
                wrong.append(wrongJson(*w, *labelled));
            o.insert(u"wrong"_s, wrong);
        }
        print(stdout, QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact)) + u'\n');
    } else {
        print(stdout, toText(e, what) + (list ? wrongText(e, *labelled) : QString()));
    }
    return 0;
}

} // namespace synscope
