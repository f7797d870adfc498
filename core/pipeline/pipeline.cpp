// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/pipeline/pipeline.h"

#include <chrono>

namespace synscope {

Observation observe(const SynRecord& record, const Classification* classification,
                    const RawPacket* packet)
{
    Observation o;
    o.packet = packet;
    o.record = &record;
    o.classification = classification;
    o.hops = estimateHops(record.fp.ip_ttl);
    o.link = estimateLink(record.fp.tcp_mss, record.fp.ip_version);
    return o;
}

Pipeline::Pipeline(const Database* database, const Profile& profile, int topN, int minClassSize,
                   double minConfidence)
    : m_profile(&profile), m_topN(topN), m_minClassSize(minClassSize), m_minConfidence(minConfidence)
{
    setDatabase(database);
}

void Pipeline::setDatabase(const Database* database, const Profile* profile)
{
    if (profile)
        m_profile = profile;
    m_database = database;
    m_classifier.reset();
    m_labels = VerdictLabels();
    // Verdicts are cached by classification id, which a new classifier numbers afresh.
    m_verdicts.clear();
    if (database) {
        m_classifier.emplace(*database, *m_profile, m_topN, m_minClassSize);
        m_labels = VerdictLabels(*database);
    }
}

Observation Pipeline::score(const SynRecord& record, const RawPacket* packet)
{
    const Classification* c = m_classifier ? &m_classifier->classify(record.fp) : nullptr;
    Observation o = observe(record, c, packet);
    if (c) {
        const Decided& d = decided(*c);
        o.verdict = &d.verdict;
        o.verdict_label = d.label;
    }
    return o;
}

void Pipeline::enableFlows(AccessLogIndex* accessLog)
{
    m_flows.emplace();
    m_flows->setAccessLog(accessLog);
}

const Pipeline::Decided& Pipeline::decided(const Classification& c)
{
    if (const Decided* d = c.id ? m_verdicts.find(c.id) : nullptr)
        return *d;
    Decided fresh{decideOs(c, *m_database, m_minConfidence)};
    fresh.label = m_labels.idOf(fresh.verdict);
    if (c.id)
        return m_verdicts.insert(c.id, std::move(fresh));
    m_uncachedVerdict = std::move(fresh);
    return m_uncachedVerdict;
}

void Pipeline::reportFlows(PipelineSink& sink)
{
    for (FlowTable::Ended& e : m_flows->takeEnded()) {
        // The SYN's verdict is decided again here, once per reported flow (a cache hit, mostly),
        // instead of being copied into every flow a flood of SYNs starts.
        Flow& f = e.flow;
        if (m_classifier)
            f.os = decided(m_classifier->classify(f.syn.fp)).verdict;
        f.hops = estimateHops(f.syn.fp.ip_ttl);
        f.link = estimateLink(f.syn.fp.tcp_mss, f.syn.fp.ip_version);
        const ConnectionVerdict v = decideConnection(f);
        sink.onFlow(FlowObservation{&f, e.end, &v});
    }
}

void Pipeline::finishFlows(PipelineSink& sink)
{
    // However the run ends, the connections followed so far are reported.
    if (!m_flows)
        return;
    m_flows->finish();
    reportFlows(sink);
}

bool Pipeline::run(PacketSource& source, PipelineSink& sink)
{
    RawPacket pkt{};
    SynRecord rec;
    TcpSegment segment;
    // Idle flows are looked for once a second of capture time (or of a quiet live link).
    constexpr int64_t kSweepEveryNs = 1'000'000'000;
    for (;;) {
        const PacketSource::Status st = source.next(pkt);
        if (st == PacketSource::Status::End) {
            finishFlows(sink);
            return true;
        }
        if (st == PacketSource::Status::Error) {
            m_error = source.errorString();
            finishFlows(sink);
            return false;
        }
        bool recorded = false;
        if (st == PacketSource::Status::Packet) {
            sink.onPacket(*this);
            if (!m_flows) {
                recorded = m_decoder.decode(pkt, rec);
            } else {
                const Decoder::Result r = m_decoder.decode(pkt, rec, segment);
                recorded = r == Decoder::Result::Record;
                if (r == Decoder::Result::Segment)
                    m_flows->onSegment(segment);
            }
        }
        if (recorded) {
            if (m_flows)
                m_flows->prefetch(rec);
            const Observation o = score(rec, &pkt);
            if (m_flows) {
                if (rec.kind == PacketKind::Syn)
                    m_flows->onSyn(rec);
                else
                    m_flows->onSynAck(rec);
            }
            sink.onRecord(o);
        }
        if (m_flows) {
            int64_t now = 0;
            if (st == PacketSource::Status::Packet) {
                now = m_lastPacketNs = pkt.ts_ns;
                m_quietSince.reset();
            } else if (st == PacketSource::Status::Timeout && m_lastPacketNs != 0) {
                const auto wall = std::chrono::steady_clock::now();
                if (!m_quietSince)
                    m_quietSince = wall;
                now = m_lastPacketNs
                      + std::chrono::duration_cast<std::chrono::nanoseconds>(wall - *m_quietSince).count();
            }
            // A replayed stream's next packets may be older than a quiet spell's clock: sweep
            // from them on rather than wait for capture time to catch up.
            if (now < m_lastSweepNs)
                m_lastSweepNs = now;
            if (now - m_lastSweepNs >= kSweepEveryNs) {
                m_flows->sweep(now);
                m_lastSweepNs = now;
            }
            if (m_flows->hasEnded())
                reportFlows(sink);
        }
        if (!sink.onStep(st, recorded)) {
            finishFlows(sink);
            return true;
        }
    }
}

} // namespace synscope
