// SPDX-License-Identifier: GPL-3.0-or-later
// One classified SYN as the outside world sees it: a JSON line (synscope-cli --json, the GUI's
// export) and the human-readable block synscope-cli prints. Shared so the CLI and the GUI say the
// same. Output is built in std::string with a per-classification cache: the lines that depend only
// on the classification (best guesses, class averages) are rendered once per distinct fingerprint,
// which keeps a million records a second within reach.
#pragma once

#include "core/decode/decoder.h"
#include "core/detect/detect.h"
#include "core/fingerprint/fingerprint.h"
#include "core/match/classifier.h"
#include "core/pipeline/pipeline.h"
#include "core/util/generational_cache.h"

#include <QString>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace synscope {

QString linkTypeName(int linkType);
// ISO 8601 UTC with microseconds: "2026-11-22T07:20:47.949127Z". Correct over the whole int64
// range (1677-09-21T00:12:43.145224Z to 2262-04-11T23:47:16.854775Z); before the epoch the
// microsecond is floored (-1 ns is 1969-12-31T23:59:59.999999Z).
QString formatTimestamp(int64_t tsNs);

// Room for "YYYY-MM-DDTHH:MM:SS" of any int64 second (an expanded year such as "+292277026596").
inline constexpr int kSecondTextSize = 32;

// The end of a run, for the summary line of a JSON stream.
struct RunSummary {
    QString database;
    uint64_t entries = 0;
    QString profile;
    const DecodeStats* stats = nullptr;
    bool hasCaptureStats = false;   // live: the kernel's counts below
    uint64_t received = 0, dropped = 0, ifDropped = 0;
    const FlowStats* flows = nullptr;   // with the flow stage: "flows":{...}, else absent
    uint64_t accessLogLines = 0, accessLogBadLines = 0;   // with --access-log
    bool accessLog = false;
};
// {"type":"summary","database":...,"entries":...,"profile":...,"packets":...,"syn":...,
//  "syn_ack":...,"other_tcp":...,"not_tcp":...,"skipped":...,"bad_options":...,
//  "skipped_by_reason":{reason:n},"unsupported_link_types":{"linktype":n},
//  "capture":{"received","dropped","if_dropped"} or null} and a newline.
std::string summaryJson(const RunSummary& summary);

// A followed connection: {"type":"flow","ts":<its SYN's>,"frame":<its SYN's>,"end":"complete",
// "src_ip","src_port","dst_ip","dst_port","os_guess","protocol":"http"|"tls"|null,"host","ua",
// "ua_source","ua_os","ua_class","verdict","suspicion","os_mismatch","reasons":[...],
// "rtt_tcp_ms","rtt_app_ms","app_rounds","via","x_forwarded_for","forwarded","access_log_line"}
// and a newline; absent evidence is null. Text from the network is written as valid UTF-8.
void appendFlowJson(std::string& out, const FlowObservation& flow);
// The same as an indented block for the text output.
void appendFlowText(std::string& out, const FlowObservation& flow);
// "Linux (SYN 3) -> os_mismatch 0.80": the flows' part of the human summary, one line each.
std::string flowSummaryText(const FlowStats& s);

// A record's own fields, the first half of its JSON line or text block (what ReportWriter puts
// before the classification's part), from copies of what the pipeline observed. It keeps the
// last second's and link type's text: one formatter per thread.
class RecordFormatter {
public:
    // From "{\"type\":" to the "," before "best_guesses".
    void appendJson(std::string& out, const SynRecord& record, const HopEstimate& hops,
                    const LinkEstimate& link);
    // From "#frame" to the link line.
    void appendText(std::string& out, const SynRecord& record, const HopEstimate& hops,
                    const LinkEstimate& link);

private:
    static constexpr size_t kMaxRecordText = 4096;
    std::unique_ptr<char[]> m_record{new char[kMaxRecordText]};
    int m_linkType = -1;            // the last record's link type and its JSON string
    std::string m_linkTypeJson;
    int64_t m_lastSecond = INT64_MIN;
    char m_secondText[kSecondTextSize] = {};
    size_t m_secondLength = 0;
};

class ReportWriter {
public:
    // maxGuesses: how many tied best entries are named.
    ReportWriter(const Database& db, int maxGuesses = 3);

    // The classification's part of a line (best guesses to reasons for JSON, best guesses to the
    // verdict for text) without its end. The reference is valid until the next call; the string
    // as long as a copy of the pointer is held, whatever the cache evicts meanwhile. With
    // RecordFormatter, what lets another thread write the lines: record part + classification
    // part + lineEnd(json) is what appendJson() / appendText() write.
    using Part = std::shared_ptr<const std::string>;
    const Part& classificationPart(const Observation& observation, bool json);
    static std::string_view lineEnd(bool json) { return json ? "}\n" : "\n"; }
    // The same part rendered into out, uncached: for a classification without an id, by a
    // writer on another thread from its own copies (and its own ReportWriter).
    void appendClassificationPart(std::string& out, const Classification& c, const OsVerdict& v,
                                  bool json) const
    {
        if (json)
            classificationJson(out, c, v);
        else
            classificationText(out, c, v);
    }

    // The observation's record and classification (which must not be null), one JSON object and
    // a newline. "type" comes first ("syn" or "syn-ack"; a stream may also
    // carry "summary" lines). Field names follow the seed (ip_ttl, tcp_window_size, ...)
    // plus ts, frame, src_ip, src_port, dst_ip, dst_port, kind, initial_ttl, hops, mtu, link,
    // tunnel, encapsulation, best_guesses, ties, os_averages, os_guess. ts is seconds since the
    // epoch with six decimals, the microsecond formatTimestamp shows, signed (-0.5 s: -0.500000).
    void appendJson(std::string& out, const Observation& observation);
    // The seed-style block: addresses, kind, fingerprint, best guesses with score out of the
    // maximum, per-class averages, then an empty line.
    void appendText(std::string& out, const Observation& observation);

private:
    // Rendered classification parts by Classification::id, as many as the classifier caches.
    using RenderCache = GenerationalCache<uint64_t, Part>;
    // The parts that depend only on the classification and its verdict (the observation's, or
    // decideOs() for an observation made without one).
    // Appends them to out: classificationPart(), or rendered in place for a classification
    // without an id (a flood's, never cached: no string of its own to allocate and copy).
    void appendClassification(std::string& out, const Observation& o, bool json);
    void render(std::string& out, const Observation& o, bool json);
    void classificationJson(std::string& out, const Classification& c, const OsVerdict& v) const;
    void classificationText(std::string& out, const Classification& c, const OsVerdict& v) const;

    // A best guess's {"os":...,"class":...,"entry":...,"score": and a class's name as a JSON
    // string, each made when first needed and then kept, rather than once per new fingerprint
    // (a flood's every SYN).
    const std::string& entryJson(int entry) const;
    const std::string& classJson(const ClassAverage& a) const;

    const Database& m_db;
    int m_maxGuesses;
    mutable std::vector<std::string> m_entryJson;   // by entry index
    mutable std::vector<std::pair<QString, std::string>> m_classJson;   // by ClassAverage::index
    RenderCache m_jsonCache{Classifier::kMaxCacheEntries};
    RenderCache m_textCache{Classifier::kMaxCacheEntries};
    RecordFormatter m_records;
    Part m_uncached;   // classificationPart() of a classification without an id
    // The parts classificationPart() returned last, direct-mapped by id, per output kind: most
    // lines find theirs here without a hash lookup (a reference each, so eviction from the cache
    // cannot free one).
    struct Recent {
        uint64_t id = 0;
        Part part;
    };
    static constexpr size_t kRecent = 512;
    std::unique_ptr<Recent[]> m_recent[2];
};

} // namespace synscope
