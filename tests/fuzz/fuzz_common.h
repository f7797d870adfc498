// SPDX-License-Identifier: GPL-3.0-or-later
// Shared by the fuzz targets: a check that aborts (so libFuzzer and the replay driver report it
// with the input), and the pipeline a decoded SYN goes through in the CLI and the GUI (classify,
// hop/link estimate, JSON line and text block), so every target that yields a SynRecord exercises
// the code downstream of the decoder too.
#pragma once

#include "core/database/database.h"
#include "core/decode/decoder.h"
#include "core/detect/detect.h"
#include "core/match/classifier.h"
#include "core/match/profile.h"
#include "core/report/report.h"

#include <QByteArray>
#include <QJsonDocument>
#include <QJsonParseError>

#include <cstdio>
#include <cstdlib>
#include <string>

#define FUZZ_CHECK(cond, ...)                                                          \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            std::fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
            std::fprintf(stderr, __VA_ARGS__);                                         \
            std::fputc('\n', stderr);                                                  \
            std::abort();                                                              \
        }                                                                              \
    } while (0)

namespace synscope::fuzz {

// SYNSCOPE_FUZZ_VERBOSE=1: the targets say what each input came to (for checking seeds).
inline bool verbose()
{
    static const bool v = std::getenv("SYNSCOPE_FUZZ_VERBOSE") != nullptr;
    return v;
}

// The builtin database and one classifier per profile, built once per process.
struct Harness {
    Database db = Database::builtin();
    Classifier synscope{db, Profile::synscope()};
    Classifier classic{db, Profile::classic()};
    ReportWriter writer{db};
    std::string out;

    static Harness& instance()
    {
        static Harness p;
        return p;
    }

    // What the CLI does with a record, plus the contracts a caller relies on.
    void run(const RawPacket& pkt, const SynRecord& rec)
    {
        FUZZ_CHECK(rec.ip_offset <= pkt.caplen && rec.header_bytes <= pkt.caplen - rec.ip_offset,
                   "ip_offset %u + header_bytes %u beyond caplen %u", rec.ip_offset,
                   rec.header_bytes, pkt.caplen);
        FUZZ_CHECK(rec.fp.option_count <= rec.fp.option_kinds.size(), "option_count %d",
                   int(rec.fp.option_count));
        FUZZ_CHECK(rec.link_type == pkt.link_type, "link type %d != %d", rec.link_type,
                   pkt.link_type);
        (void)rec.fp.tcpOptions();
        (void)rec.fp.optionLayout();
        (void)rec.fp.optionKindList();
        (void)quirksString(rec.fp.quirks);
        (void)encapsulationString(rec.encapsulation);
        (void)formatAddress(rec.src, rec.fp.ip_version);
        (void)formatAddress(rec.dst, rec.fp.ip_version);
        const Classification& c = synscope.classify(rec.fp);
        const Observation o = observe(rec, &c, &pkt);
        if (!c.best.empty())
            (void)Profile::synscope().explain(rec.fp, db.entries[size_t(c.best.front())]);
        (void)classic.classify(rec.fp);

        out.clear();
        writer.appendJson(out, o);
        FUZZ_CHECK(!out.empty() && out.back() == '\n', "JSON line without newline");
        QJsonParseError pe;
        const QJsonDocument doc =
            QJsonDocument::fromJson(QByteArray(out.data(), qsizetype(out.size()) - 1), &pe);
        FUZZ_CHECK(pe.error == QJsonParseError::NoError && doc.isObject(),
                   "ReportWriter::appendJson wrote invalid JSON (%s): %s",
                   qPrintable(pe.errorString()), out.c_str());
        out.clear();
        writer.appendText(out, o);
    }
};

} // namespace synscope::fuzz
