// SPDX-License-Identifier: GPL-3.0-or-later
// The one read -> decode -> classify -> detect loop. synscope-cli and the GUI's capture worker
// (and through the worker the GUI benchmark) drive it, each with a sink of its own: a stage added
// here reaches every front end. docs/ARCHITECTURE.md draws it.
#pragma once

#include "core/capture/packet_source.h"
#include "core/decode/decoder.h"
#include "core/detect/detect.h"
#include "core/flow/connection_verdict.h"
#include "core/flow/flow_table.h"
#include "core/match/classifier.h"
#include "core/match/verdict.h"
#include "core/util/generational_cache.h"

#include <chrono>
#include <optional>
#include <string>
#include <utility>

namespace synscope {

// One decoded SYN or SYN+ACK with everything the pipeline derived from it, as every front end
// receives it. The pointers are valid during PipelineSink::onRecord() only.
struct Observation {
    const RawPacket* packet = nullptr;            // the frame; null for a record not read from a source
    const SynRecord* record = nullptr;
    const Classification* classification = nullptr;   // null when the pipeline does not classify
    const OsVerdict* verdict = nullptr;           // decideOs() of the classification; null without
    uint16_t verdict_label = VerdictLabels::kNone;   // the verdict's label in labels()
    HopEstimate hops{};                           // from the TTL
    LinkEstimate link{};                          // from the MSS
};

// The detect stage: what one record says about its path. The pipeline calls it once per record;
// outputs that start from a stored record (exports) call it too, so the same SYN reads the same.
Observation observe(const SynRecord& record, const Classification* classification,
                    const RawPacket* packet = nullptr);

// A connection the flow stage followed, when its evidence is complete or it ended, with the
// verdict decideConnection() gave it. Valid during PipelineSink::onFlow() only.
class Pipeline;

struct FlowObservation {
    const Flow* flow = nullptr;
    FlowEnd end = FlowEnd::Complete;
    const ConnectionVerdict* verdict = nullptr;
};

class PipelineSink {
public:
    virtual ~PipelineSink() = default;
    virtual void onRecord(const Observation& observation) = 0;
    // With Pipeline::enableFlows() only.
    virtual void onFlow(const FlowObservation&) {}
    // A frame was read and is about to be decoded: a front end switches the database here
    // (Pipeline::setDatabase), so that an edit applies from this packet on.
    virtual void onPacket(Pipeline&) {}
    // After every step of the source (a frame, decoded or not, or a live timeout), once any
    // record of that frame was handed over: the front end flushes by time here, and returns
    // false to end the run.
    virtual bool onStep(PacketSource::Status status, bool recorded) = 0;
};

// A sink made of callables, for a front end whose state lives in local variables.
struct IgnoreFlows {
    void operator()(const FlowObservation&) const {}
};
struct IgnorePackets {
    void operator()(Pipeline&) const {}
};
template <class OnRecord, class OnStep, class OnFlow = IgnoreFlows, class OnPacket = IgnorePackets>
class CallbackSink final : public PipelineSink {
public:
    CallbackSink(OnRecord onRecord, OnStep onStep, OnFlow onFlow = {}, OnPacket onPacket = {})
        : m_onRecord(std::move(onRecord)), m_onStep(std::move(onStep)), m_onFlow(std::move(onFlow))
        , m_onPacket(std::move(onPacket))
    {
    }
    void onRecord(const Observation& o) override { m_onRecord(o); }
    bool onStep(PacketSource::Status st, bool recorded) override { return m_onStep(st, recorded); }
    void onFlow(const FlowObservation& f) override { m_onFlow(f); }
    void onPacket(Pipeline& p) override { m_onPacket(p); }

private:
    OnRecord m_onRecord;
    OnStep m_onStep;
    OnFlow m_onFlow;
    OnPacket m_onPacket;
};

class Pipeline {
public:
    // The best entries a classification lists: the verdict's margin over other classes and the
    // detail pane's entry list read them.
    static constexpr int kDefaultTopN = kVerdictTopN;

    // database null: decode and detect only (no classification). The database and profile must
    // outlive the pipeline.
    // minConfidence: decideOs()'s, for every verdict of this pipeline.
    Pipeline(const Database* database, const Profile& profile, int topN = kDefaultTopN,
             int minClassSize = 0, double minConfidence = 0);

    // Follows connections past their SYN (the flow stage): the sink's onFlow() gets each one.
    // accessLog: where the flows find lines of a web server's access log; must outlive the
    // pipeline.
    void enableFlows(AccessLogIndex* accessLog = nullptr);
    const FlowStats* flowStats() const { return m_flows ? &m_flows->stats() : nullptr; }

    // Reads `source` until its end, a read error, or the sink's onStep() returns false. Returns
    // false on a read error (error() then says what).
    bool run(PacketSource& source, PipelineSink& sink);

    // The classify and detect stages of run() for one record: how a stored record is scored again
    // with another database (the GUI re-scores its rows in place). Valid until the next call.
    Observation score(const SynRecord& record, const RawPacket* packet = nullptr);
    // Classifies from the next record on with `database` (must outlive the pipeline, or the next
    // setDatabase()) and `profile` (null: the current one); a null database stops classifying.
    // The flows followed so far are kept. What an edit of the database does to a running capture:
    // it takes effect for the next packet.
    void setDatabase(const Database* database, const Profile* profile = nullptr);

    const std::string& error() const { return m_error; }
    const DecodeStats& stats() const { return m_decoder.stats(); }
    // Null when the pipeline does not classify.
    const Classifier* classifier() const { return m_classifier ? &*m_classifier : nullptr; }
    // The numbering of Observation::verdict_label.
    const VerdictLabels& labels() const { return m_labels; }

private:
    struct Decided {
        OsVerdict verdict;
        uint16_t label = VerdictLabels::kNone;
    };

    // The verdict of a classification, decided once per cached classification.
    const Decided& decided(const Classification& c);
    void reportFlows(PipelineSink& sink);
    void finishFlows(PipelineSink& sink);

    Decoder m_decoder;
    std::optional<FlowTable> m_flows;
    int64_t m_lastSweepNs = 0;
    // The newest packet's capture time, and when the link went quiet after it (its first
    // timeout; no clock is read per packet): on a quiet live link or stream (a FIFO, a pipe),
    // capture time runs on from there by the wall clock, so a writer silent for longer than the
    // flow timeout ends the flows it left open (packets of a replayed stream carry old times).
    int64_t m_lastPacketNs = 0;
    std::optional<std::chrono::steady_clock::time_point> m_quietSince;
    std::optional<Classifier> m_classifier;
    const Database* m_database = nullptr;
    const Profile* m_profile;
    int m_topN;
    int m_minClassSize;
    double m_minConfidence = 0;
    VerdictLabels m_labels;
    // The verdict of each classification the classifier caches, decided once.
    GenerationalCache<uint64_t, Decided> m_verdicts{Classifier::kMaxCacheEntries};
    Decided m_uncachedVerdict;   // for a classification the classifier did not cache (id 0)
    std::string m_error;
};

} // namespace synscope
