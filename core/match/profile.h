// SPDX-License-Identifier: GPL-3.0-or-later
// Scoring profiles: how well one observed fingerprint matches one database entry, field by field.
// "classic" reproduces zardaxt 2021's makeOsGuess scoring; "synscope" (the default) scores
// path-independent features and only the fields an entry knows. docs/SCORING.md explains both.
#pragma once

#include "core/database/database.h"

#include <QString>
#include <QStringView>

#include <span>
#include <string>
#include <vector>

namespace synscope {

enum class ScoredField {
    IpVersion,        // 4 / 6
    Df,               // IPv4 don't-fragment
    Mf,               // more-fragments
    Window,           // raw window size
    WindowMss,        // window equal, or k*MSS with the same k, or both the largest multiple
    Flags,            // all TCP flag bits
    HeaderLength,     // TCP header bytes
    Mss,              // MSS value (absent == absent)
    ClassicOptions,   // notation equal: full weight; else same token letters: 2/3 of it
    OptionLayout,     // option kinds in order, NOP/EOL included
    InitialTtl,       // 32 / 64 / 128 / 255
    WindowScale,      // shift (absent == absent)
    Timestamp,        // timestamp option present
    Sack,             // SACK-permitted present
    Ecn,              // ECN setup (ECE+CWR on a SYN, ECE on a SYN+ACK) or ECN bits in IP
    Quirks,           // p0f quirks other than df/ecn, compared as a set
    Kind,             // SYN or SYN+ACK (client and server answer with different windows)
};
struct FieldScore {
    ScoredField id;
    QString field;       // the field's name: "ip_df", "tcp_options", ...
    QString observed;    // value text of the observed fingerprint
    QString expected;    // value text of the database entry ("?" when unknown there)
    double weight;       // what a match is worth (after normalization)
    double points;       // what this field scored
};

QString scoredFieldName(ScoredField f);   // FieldDescriptor::name

// Size of the TCP timestamp option with its two NOPs: Linux sizes a SYN+ACK's window in segments of
// MSS minus this when timestamps are on (p0f's "MSS - 12").
constexpr int kTimestampOptionBytes = 12;

// The largest multiple of `unit` that fits in the 16-bit window: 64240 for 1460, 64860 for 1380.
// Linux and Windows send this as their initial window. 0 when unit <= 0.
int largestWindowMultiple(int unit);

// True when the window is the largest multiple of the MSS, or (timestamp option present) of the MSS
// minus kTimestampOptionBytes: the window follows the MSS wherever the MTU puts it.
bool isLargestWindowMultiple(int window, int mss, bool timestamp);

struct FieldWeight {
    ScoredField field;
    double weight;
};

class Profile {
public:
    // The comparable values of one side (observation or entry), computed once.
    struct Features {
        uint32_t known = KnownAll;
        int ip_version = 4;
        int initial_ttl = 0;
        int ttl = 0;
        bool df = false, mf = false;
        int window = 0;
        int window_multiple = 0;   // k when window == k*MSS, else 0
        bool window_max = false;   // window == largestWindowMultiple(MSS), see below
        int flags = 0;
        int header_length = 0;
        int mss = -1;
        int wscale = -1;
        bool syn_ack = false;
        bool timestamp = false, sack = false, ecn = false;
        uint32_t quirks = 0;       // without df/ecn
        std::string notation;      // "M1460,S,T,N,W7,"
        std::string layout;        // "MSTNW"
    };

    // normalize: fields unknown in the entry count nothing toward the maximum and the sum is
    // scaled to maxScore; otherwise unknown fields just score 0. Weights are multiples of 0.25
    // (ClassicOptions: of 0.75, so that its 2/3 share is one too), which keeps every sum of points
    // exact: equal sums are equal doubles, whatever the order of addition. Others are refused
    // (qFatal).
    Profile(QString name, QString description, std::vector<FieldWeight> weights, double maxScore,
            bool normalize);

    static const Profile& classic();
    static const Profile& synscope();
    static const Profile* byName(QStringView name);   // nullptr for an unknown name
    static std::vector<const Profile*> all();

    QString name() const { return m_name; }
    QString description() const { return m_description; }
    double maxScore() const { return m_maxScore; }
    bool normalizes() const { return m_normalize; }
    const std::vector<FieldWeight>& weights() const { return m_weights; }

    static Features features(const Fingerprint& fp);
    static Features features(const DbEntry& entry);

    // One entry against one observation before scaling: the points of the fields that matched
    // and the weights of the fields that applied (exact sums, see the constructor).
    struct Tally {
        double points = 0;
        double possible = 0;
    };
    Tally tally(const Features& observed, const Features& entry) const;
    // The points, or (normalizing) the points scaled so that `possible` would be maxScore.
    double scaled(const Tally& t) const;
    // Whether a field counts for this pair: the entry knows it, and (normalizing) DF is not
    // scored when either side is IPv6. Depends on the observation only through its IP version.
    bool applies(ScoredField f, const Features& observed, const Features& entry) const;

    double score(const Fingerprint& fp, const DbEntry& entry) const;
    double score(const Features& observed, const Features& entry) const
    {
        return scaled(tally(observed, entry));
    }
    std::vector<FieldScore> explain(const Fingerprint& fp, const DbEntry& entry) const;

    // The observed values this profile looks at, as bytes: equal keys always score equally.
    std::string observationKey(const Features& observed) const;
    // The same for an entry (known bits included): entries with equal keys score equally.
    std::string entryKey(const Features& entry) const;

private:

    QString m_name;
    QString m_description;
    std::vector<FieldWeight> m_weights;
    double m_maxScore;
    bool m_normalize;
};

// Everything about one scored field, one row per field in one table (profile.cpp, kFields):
// adding a field is adding a row (and its ScoredField value).
struct FieldDescriptor {
    ScoredField id;
    const char* name;            // explain()'s and the detail pane's name
    uint32_t known;              // the KnownField bits an entry needs for the field to count
    HeaderField header[3];       // the header bytes it is read from (the hex view), `headers` of them
    int headers;
    // A plain field's value: equal values earn the whole weight, and keys and the score index use
    // it. Null for the fields compared otherwise (windowMss, classic options, option layout).
    int32_t (*value)(const Profile::Features&);
    // The share of the weight a pair earns, for the fields without `value`.
    double (*match)(const Profile::Features& observed, const Profile::Features& entry);
    // Appends what the field compares to a cache key; null: the value.
    void (*key)(std::string& out, const Profile::Features&);
    QString (*text)(const Profile::Features&);   // explain()'s value text

    double share(const Profile::Features& o, const Profile::Features& e) const
    {
        return value ? (value(o) == value(e) ? 1.0 : 0.0) : match(o, e);
    }
    std::span<const HeaderField> headerFields() const { return {header, size_t(headers)}; }
};
const FieldDescriptor& describe(ScoredField f);

} // namespace synscope
