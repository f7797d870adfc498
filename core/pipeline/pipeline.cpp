// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/pipeline/pipeline.h"

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
    : m_database(database), m_minConfidence(minConfidence)
{
    if (database) {
        m_classifier.emplace(*database, profile, topN, minClassSize);
        m_labels = VerdictLabels(*database);
    }
}

bool Pipeline::run(PacketSource& source, PipelineSink& sink)
{
    RawPacket pkt{};
    SynRecord rec;
    for (;;) {
        const PacketSource::Status st = source.next(pkt);
        if (st == PacketSource::Status::End)
            return true;
        if (st == PacketSource::Status::Error) {
            m_error = source.errorString();
            return false;
        }
        const bool recorded = st == PacketSource::Status::Packet && m_decoder.decode(pkt, rec);
        if (recorded) {
            const Classification* c = m_classifier ? &m_classifier->classify(rec.fp) : nullptr;
            Observation o = observe(rec, c, &pkt);
            if (c) {
                const Decided* d = c->id ? m_verdicts.find(c->id) : nullptr;
                if (!d) {
                    Decided fresh{decideOs(*c, *m_database, m_minConfidence)};
                    fresh.label = m_labels.idOf(fresh.verdict.label());
                    if (c->id) {
                        d = &m_verdicts.insert(c->id, std::move(fresh));
                    } else {
                        m_uncachedVerdict = std::move(fresh);
                        d = &m_uncachedVerdict;
                    }
                }
                o.verdict = &d->verdict;
                o.verdict_label = d->label;
            }
            sink.onRecord(o);
        }
        if (!sink.onStep(st, recorded))
            return true;
    }
}

} // namespace synscope
