// SPDX-License-Identifier: GPL-3.0-or-later
// The classic profile against an independent transcription of zardaxt 2021's makeOsGuess, for every
// entry of the zardaxt database used as the observation: best score, ties, first three guesses and
// every per-OS average must agree. The transcription works on the raw JSON and uses no Profile.
#include "core/database/database.h"
#include "core/match/classifier.h"
#include "core/match/profile.h"
#include "shared_databases.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

using namespace synscope;
using namespace Qt::StringLiterals;

namespace {

QStringList firstLetters(const QString& options)
{
    QStringList out;
    for (const QString& token : options.split(u','))
        if (!token.isEmpty())
            out << token.left(1);
    return out;
}

// The published scoring, one field at a time, on the raw JSON values.
double seedScore(const QJsonObject& fp, const QJsonObject& entry)
{
    double score = 0;
    if (entry[u"ip_df"_s] == fp[u"ip_df"_s])
        score += 1;
    if (entry[u"ip_mf"_s] == fp[u"ip_mf"_s])
        score += 1;
    if (entry[u"tcp_window_size"_s] == fp[u"tcp_window_size"_s])
        score += 1.5;
    if (entry[u"tcp_flags"_s] == fp[u"tcp_flags"_s])
        score += 1;
    if (entry[u"tcp_header_length"_s] == fp[u"tcp_header_length"_s])
        score += 1;
    if (entry[u"tcp_mss"_s] == fp[u"tcp_mss"_s])
        score += 1.5;
    const QString a = entry[u"tcp_options"_s].toString(), b = fp[u"tcp_options"_s].toString();
    if (a == b)
        score += 3;
    else if (firstLetters(a) == firstLetters(b))
        score += 2;
    return score;
}

struct SeedAverage {
    double sum = 0;
    int n = 0;
};

} // namespace

class TestClassicConformance : public QObject {
    Q_OBJECT
private slots:
    void everyEntryAgainstTheDatabase()
    {
        QFile file(combinedPath());
        if (!file.exists())
            QSKIP("shared corpus absent: SYNSCOPE_SHARED_DIR/data/zardaxt-2021/combined.json");
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QJsonArray raw = QJsonDocument::fromJson(file.readAll()).array();
        QCOMPARE(raw.size(), 260);

        QString error;
        const std::optional<Database> db = Database::load(combinedPath(), &error);
        QVERIFY2(db, qPrintable(error));
        QCOMPARE(db->entries.size(), size_t(260));
        const Profile& classic = Profile::classic();
        Classifier classifier(*db, classic, 3, 8);

        int checkedPairs = 0;
        for (qsizetype o = 0; o < raw.size(); ++o) {
            const QJsonObject observed = raw[o].toObject();
            std::vector<double> scores;
            for (const QJsonValue& v : raw)
                scores.push_back(seedScore(observed, v.toObject()));
            std::vector<int> sorted(scores.size());
            std::iota(sorted.begin(), sorted.end(), 0);
            std::stable_sort(sorted.begin(), sorted.end(),
                             [&](int a, int b) { return scores[a] > scores[b]; });
            const double best = scores[sorted.front()];
            std::vector<int> ties;
            for (int i : sorted)
                if (scores[i] == best)
                    ties.push_back(i);
            std::map<QString, SeedAverage> perOs;
            for (qsizetype i = 0; i < raw.size(); ++i) {
                const QString name = raw[i][u"os"_s][u"name"_s].toString();
                if (name.isEmpty())
                    continue;
                perOs[name].sum += scores[i];
                perOs[name].n += 1;
            }

            const Classification& c = classifier.classify(db->entries[o].fp);
            const QByteArray where = "observed entry " + QByteArray::number(o);
            QVERIFY2(c.best_score == best, where);
            QCOMPARE(c.max_score, 10.0);
            QVERIFY2(c.best == ties, where);
            const std::vector<int> firstThreeTies(ties.begin(),
                                                  ties.begin() + std::min<size_t>(3, ties.size()));
            const std::vector<int> ours(c.best.begin(),
                                        c.best.begin() + std::min<size_t>(3, c.best.size()));
            QVERIFY2(ours == firstThreeTies, where);
            QCOMPARE(c.top.size(), size_t(3));
            for (int k = 0; k < 3; ++k) {
                QVERIFY2(c.top[k].entry == sorted[k], where);
                QVERIFY2(c.top[k].score == scores[sorted[k]], where);
            }

            QCOMPARE(c.averages.size(), perOs.size());
            for (const ClassAverage& a : c.averages) {
                const auto it = perOs.find(a.os_class);
                QVERIFY2(it != perOs.end(), where + " class " + a.os_class.toUtf8());
                QCOMPARE(a.n, it->second.n);
                QCOMPARE(a.averaged, it->second.n >= 8);
                const double avg = it->second.sum / it->second.n;
                QVERIFY2(std::abs(a.average - avg) < 1e-12, where + " class " + a.os_class.toUtf8());
                QCOMPARE(QString::number(a.average, 'f', 2), QString::number(avg, 'f', 2));
            }

            for (size_t e = 0; e < db->entries.size(); ++e) {
                const double s = classic.score(db->entries[o].fp, db->entries[e]);
                QVERIFY2(s == scores[e], where + " vs entry " + QByteArray::number(qulonglong(e)));
                double sum = 0;
                for (const FieldScore& f : classic.explain(db->entries[o].fp, db->entries[e]))
                    sum += f.points;
                QVERIFY2(std::abs(sum - s) < 1e-9, where);
                ++checkedPairs;
            }
        }
        QCOMPARE(checkedPairs, 260 * 260);
        // Below-minimum classes exist in this database (iOS has 8 entries, Chrome OS 1).
        const Classification& any = classifier.classify(db->entries[0].fp);
        const auto chromeOs = std::find_if(any.averages.begin(), any.averages.end(),
                                           [](const ClassAverage& a) {
                                               return a.os_class == u"Chrome OS"_s;
                                           });
        QVERIFY(chromeOs != any.averages.end());
        QVERIFY(!chromeOs->averaged);
    }
};

QTEST_GUILESS_MAIN(TestClassicConformance)
#include "test_classic_conformance.moc"
