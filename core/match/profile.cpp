// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/match/profile.h"

#include "core/detect/detect.h"

#include <cmath>

using namespace Qt::StringLiterals;

namespace synscope {

namespace {

constexpr uint32_t kEcnFlags = TcpEce | TcpCwr | TcpAe;
// Quirks scored by the Quirks field: df and ecn have fields of their own.
constexpr uint32_t kQuirkMask = ~static_cast<uint32_t>(QuirkDf | QuirkEcn);

QString optional(int v)
{
    return v < 0 ? u"none"_s : QString::number(v);
}

QString yesNo(bool b)
{
    return b ? u"yes"_s : u"no"_s;
}

QString windowText(const Profile::Features& f)
{
    if (f.window_max && f.window > 0)
        return u"%1 (largest multiple of the MSS)"_s.arg(f.window);
    if (f.window_max)
        return u"largest multiple of the MSS"_s;
    if (f.window_multiple > 0 && f.mss > 0)
        return u"%1 (%2\u00d7MSS)"_s.arg(f.window).arg(f.window_multiple);
    if (f.window_multiple > 0)
        return u"%1\u00d7MSS"_s.arg(f.window_multiple);
    return QString::number(f.window);
}

void appendInt(std::string& key, int v)
{
    key += std::to_string(v);
    key += '|';
}

// Below this p0f does not look for window multiples either: tiny MSS values divide too much.
constexpr int kMinWindowUnit = 100;

} // namespace

int largestWindowMultiple(int unit)
{
    return unit > 0 ? 65535 / unit * unit : 0;
}

bool isLargestWindowMultiple(int window, int mss, bool timestamp)
{
    if (window <= 0 || mss < kMinWindowUnit)
        return false;
    if (window == largestWindowMultiple(mss))
        return true;
    const int payload = mss - kTimestampOptionBytes;
    return timestamp && payload >= kMinWindowUnit && window == largestWindowMultiple(payload);
}

namespace {

using F = Profile::Features;
using H = HeaderField;

// The one table of scored fields, in ScoredField order.
constexpr FieldDescriptor kFields[] = {
    {ScoredField::IpVersion, "ip_version", KnownIpVersion, {H::IpVersion}, 1,
     [](const F& f) { return int32_t(f.ip_version); }, nullptr, nullptr,
     [](const F& f) { return QString::number(f.ip_version); }},
    {ScoredField::Df, "ip_df", KnownDf, {H::IpFragment}, 1, [](const F& f) { return int32_t(f.df); },
     nullptr,
     // DF counts only between IPv4 packets (Profile::applies): the version is part of the key.
     [](std::string& k, const F& f) { appendInt(k, f.df); appendInt(k, f.ip_version); },
     [](const F& f) { return f.ip_version == 6 ? u"n/a (IPv6)"_s : QString::number(f.df); }},
    {ScoredField::Mf, "ip_mf", KnownMf, {H::IpFragment}, 1, [](const F& f) { return int32_t(f.mf); },
     nullptr, nullptr, [](const F& f) { return QString::number(f.mf); }},
    {ScoredField::Window, "tcp_window_size", KnownWindow, {H::TcpWindow}, 1,
     [](const F& f) { return int32_t(f.window); }, nullptr, nullptr,
     [](const F& f) { return QString::number(f.window); }},
    {ScoredField::WindowMss, "window (or k\u00d7MSS, largest multiple)", KnownWindow,
     {H::TcpWindow, H::OptMss}, 2, nullptr,
     [](const F& o, const F& e) {
         if (e.window_multiple > 0 && o.window_multiple == e.window_multiple)
             return 1.0;
         if (e.window_max && o.window_max)
             return 1.0;
         return e.window > 0 && o.window == e.window ? 1.0 : 0.0;
     },
     [](std::string& k, const F& f) {
         appendInt(k, f.window);
         appendInt(k, f.window_multiple);
         appendInt(k, f.window_max);
     },
     windowText},
    {ScoredField::Flags, "tcp_flags", KnownFlags, {H::TcpFlags}, 1,
     [](const F& f) { return int32_t(f.flags); }, nullptr, nullptr,
     [](const F& f) { return u"0x%1"_s.arg(f.flags, 3, 16, QChar(u'0')); }},
    {ScoredField::HeaderLength, "tcp_header_length", KnownHeaderLength, {H::TcpHeaderLength}, 1,
     [](const F& f) { return int32_t(f.header_length); }, nullptr, nullptr,
     [](const F& f) { return QString::number(f.header_length); }},
    {ScoredField::Mss, "tcp_mss", KnownMss, {H::OptMss}, 1, [](const F& f) { return int32_t(f.mss); },
     nullptr, nullptr, [](const F& f) { return optional(f.mss); }},
    // The seed's option comparison: the notation equal earns the weight, the same letters in the
    // same order two thirds of it.
    {ScoredField::ClassicOptions, "tcp_options", KnownOptions, {H::TcpOptions}, 1, nullptr,
     [](const F& o, const F& e) {
         if (o.notation == e.notation)
             return 1.0;
         return o.layout == e.layout ? 2.0 / 3.0 : 0.0;
     },
     [](std::string& k, const F& f) { k += f.notation; k += '|'; },
     [](const F& f) { return QString::fromStdString(f.notation); }},
    {ScoredField::OptionLayout, "option layout", KnownOptions, {H::TcpOptions}, 1, nullptr,
     [](const F& o, const F& e) { return o.layout == e.layout ? 1.0 : 0.0; },
     [](std::string& k, const F& f) { k += f.layout; k += '|'; },
     [](const F& f) { return QString::fromStdString(f.layout); }},
    {ScoredField::InitialTtl, "initial TTL", KnownTtl, {H::IpTtl}, 1,
     [](const F& f) { return int32_t(f.initial_ttl); }, nullptr, nullptr,
     [](const F& f) {
         return f.ttl != f.initial_ttl ? u"%1 (TTL %2)"_s.arg(f.initial_ttl).arg(f.ttl)
                                       : QString::number(f.initial_ttl);
     }},
    {ScoredField::WindowScale, "tcp_window_scaling", KnownWscale, {H::OptWscale}, 1,
     [](const F& f) { return int32_t(f.wscale); }, nullptr, nullptr,
     [](const F& f) { return optional(f.wscale); }},
    {ScoredField::Timestamp, "timestamp option", KnownOptions, {H::OptTimestamp}, 1,
     [](const F& f) { return int32_t(f.timestamp); }, nullptr, nullptr,
     [](const F& f) { return yesNo(f.timestamp); }},
    {ScoredField::Sack, "SACK permitted", KnownOptions, {H::OptSack}, 1,
     [](const F& f) { return int32_t(f.sack); }, nullptr, nullptr,
     [](const F& f) { return yesNo(f.sack); }},
    {ScoredField::Ecn, "ECN", KnownFlags, {H::IpTos, H::TcpFlags}, 2,
     [](const F& f) { return int32_t(f.ecn); }, nullptr, nullptr,
     [](const F& f) { return yesNo(f.ecn); }},
    {ScoredField::Quirks, "quirks", KnownQuirks, {H::IpFragment, H::IpId, H::TcpOptions}, 3,
     [](const F& f) { return int32_t(f.quirks); }, nullptr, nullptr,
     [](const F& f) { return QString::fromStdString(quirksString(f.quirks)); }},
    {ScoredField::Kind, "packet kind", KnownFlags, {H::TcpFlags}, 1,
     [](const F& f) { return int32_t(f.syn_ack); }, nullptr, nullptr,
     [](const F& f) { return f.syn_ack ? u"SYN+ACK"_s : u"SYN"_s; }},
};

constexpr bool inEnumOrder()
{
    for (size_t i = 0; i < std::size(kFields); ++i)
        if (size_t(kFields[i].id) != i)
            return false;
    return true;
}
static_assert(inEnumOrder() && std::size(kFields) == size_t(ScoredField::Kind) + 1,
              "kFields has one row per ScoredField, in its order");

} // namespace

const FieldDescriptor& describe(ScoredField f)
{
    return kFields[size_t(f)];
}

QString scoredFieldName(ScoredField f)
{
    return QString::fromUtf8(describe(f).name);
}

Profile::Profile(QString name, QString description, std::vector<FieldWeight> weights,
                 double maxScore, bool normalize)
    : m_name(std::move(name)), m_description(std::move(description)),
      m_weights(std::move(weights)), m_maxScore(maxScore), m_normalize(normalize)
{
    for (const FieldWeight& fw : m_weights) {
        const bool options = fw.field == ScoredField::ClassicOptions;
        const double quarters = (options ? fw.weight * 2.0 / 3.0 : fw.weight) * 4;
        if (fw.weight < 0 || quarters != std::floor(quarters))
            qFatal("profile %s: weight %g of %s is not a multiple of %s", qPrintable(m_name),
                   fw.weight, qPrintable(scoredFieldName(fw.field)), options ? "0.75" : "0.25");
    }
}

const Profile& Profile::classic()
{
    // zardaxt 2021 makeOsGuess: a perfect match scores 10.
    static const Profile p(u"classic"_s,
                           u"zardaxt 2021 scoring: raw field equality, perfect score 10"_s,
                           {{ScoredField::Df, 1.0},
                            {ScoredField::Mf, 1.0},
                            {ScoredField::Window, 1.5},
                            {ScoredField::Flags, 1.0},
                            {ScoredField::HeaderLength, 1.0},
                            {ScoredField::Mss, 1.5},
                            {ScoredField::ClassicOptions, 3.0}},
                           10.0, false);
    return p;
}

const Profile& Profile::synscope()
{
    // Weights chosen and explained in docs/SCORING.md (leave-one-out on the zardaxt database).
    static const Profile p(u"synscope"_s,
                           u"path-independent features, unknown fields not scored, out of 10"_s,
                           {{ScoredField::OptionLayout, 3.0},
                            {ScoredField::WindowMss, 2.0},
                            {ScoredField::WindowScale, 1.5},
                            {ScoredField::InitialTtl, 1.5},
                            {ScoredField::Df, 1.0},
                            {ScoredField::Timestamp, 0.5},
                            {ScoredField::Sack, 0.5},
                            {ScoredField::Ecn, 0.5},
                            {ScoredField::Quirks, 1.0},
                            {ScoredField::Mss, 0.25},
                            {ScoredField::Kind, 1.0}},
                           10.0, true);
    return p;
}

std::vector<const Profile*> Profile::all()
{
    return {&synscope(), &classic()};
}

const Profile* Profile::byName(QStringView name)
{
    for (const Profile* p : all())
        if (name.compare(p->name(), Qt::CaseInsensitive) == 0)
            return p;
    return nullptr;
}

Profile::Features Profile::features(const Fingerprint& fp)
{
    Features f;
    f.ip_version = fp.ip_version;
    f.ttl = fp.ip_ttl;
    f.initial_ttl = estimateHops(fp.ip_ttl).initial_ttl;
    f.df = fp.ip_df;
    f.mf = fp.ip_mf;
    f.window = fp.tcp_window_size;
    if (fp.tcp_mss > 0 && fp.tcp_window_size > 0 && fp.tcp_window_size % fp.tcp_mss == 0)
        f.window_multiple = fp.tcp_window_size / fp.tcp_mss;
    f.window_max = isLargestWindowMultiple(fp.tcp_window_size, fp.tcp_mss, fp.tcp_has_timestamp);
    f.flags = fp.tcp_flags;
    f.syn_ack = fp.isSynAck();
    f.header_length = fp.tcp_header_length;
    f.mss = fp.tcp_mss;
    f.wscale = fp.tcp_window_scaling;
    f.timestamp = fp.tcp_has_timestamp;
    f.sack = fp.tcp_sack_permitted;
    f.ecn = (fp.tcp_flags & kEcnFlags) != 0 || (fp.quirks & QuirkEcn) != 0;
    f.quirks = fp.quirks & kQuirkMask;
    f.notation = fp.tcpOptions();
    f.layout = fp.optionLayout();
    return f;
}

Profile::Features Profile::features(const DbEntry& entry)
{
    Features f = features(entry.fp);
    f.known = entry.known;
    if (entry.window_mss_multiple > 0) {
        f.window_multiple = entry.window_mss_multiple;
        f.window = entry.fp.tcp_mss > 0 ? entry.window_mss_multiple * entry.fp.tcp_mss : 0;
    } else if (entry.window_mss_max) {
        // Only the rule is known: no literal window, no fixed multiple.
        f.window_max = true;
        f.window = 0;
        f.window_multiple = 0;
    }
    if (!(entry.known & KnownIpVersion) && (entry.known & KnownDf))
        f.ip_version = 4;   // DF only exists in IPv4
    return f;
}

// A field the entry does not know, or (normalized profiles) one that does not apply to this pair:
// DF means nothing when either side is IPv6.
bool Profile::applies(ScoredField f, const Features& o, const Features& e) const
{
    if (!(e.known & describe(f).known))
        return false;
    if (m_normalize && f == ScoredField::Df && (o.ip_version == 6 || e.ip_version == 6))
        return false;
    return true;
}

Profile::Tally Profile::tally(const Features& o, const Features& e) const
{
    Tally t;
    for (const FieldWeight& fw : m_weights) {
        if (!applies(fw.field, o, e))
            continue;
        t.possible += fw.weight;
        t.points += fw.weight * describe(fw.field).share(o, e);
    }
    return t;
}

double Profile::scaled(const Tally& t) const
{
    if (!m_normalize)
        return t.points;
    return t.possible > 0 ? t.points * m_maxScore / t.possible : 0.0;
}

double Profile::score(const Fingerprint& fp, const DbEntry& entry) const
{
    return score(features(fp), features(entry));
}

std::vector<FieldScore> Profile::explain(const Fingerprint& fp, const DbEntry& entry) const
{
    const Features o = features(fp);
    const Features e = features(entry);
    double possible = 0;
    for (const FieldWeight& fw : m_weights)
        if (applies(fw.field, o, e))
            possible += fw.weight;
    const double scale = !m_normalize ? 1.0 : possible > 0 ? m_maxScore / possible : 0.0;
    std::vector<FieldScore> out;
    out.reserve(m_weights.size());
    for (const FieldWeight& fw : m_weights) {
        const FieldDescriptor& d = describe(fw.field);
        FieldScore s;
        s.id = fw.field;
        s.field = QString::fromUtf8(d.name);
        s.observed = d.text(o);
        if (!applies(fw.field, o, e)) {
            s.expected = (e.known & d.known) ? d.text(e) : u"?"_s;
            s.weight = 0;
            s.points = 0;
        } else {
            s.expected = d.text(e);
            s.weight = fw.weight * scale;
            s.points = fw.weight * d.share(o, e) * scale;
        }
        out.push_back(std::move(s));
    }
    return out;
}

std::string Profile::observationKey(const Features& o) const
{
    std::string key;
    key.reserve(64);
    for (const FieldWeight& fw : m_weights) {
        const FieldDescriptor& d = describe(fw.field);
        if (d.key)
            d.key(key, o);
        else
            appendInt(key, d.value(o));
    }
    return key;
}

std::string Profile::entryKey(const Features& e) const
{
    std::string key = observationKey(e);
    appendInt(key, static_cast<int>(e.known));
    return key;
}

} // namespace synscope
