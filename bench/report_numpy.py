"""The `report` statistics in numpy: the baseline `npm run bench` times the report CLI against (bench/report.ts).

Reads a rollouts JSONL file whose groups all have the same number of completions and the same RMs (the bench's
files), and computes what report.json holds: pooled calibration, per-group normalized variance (mean, min,
quartiles, max, flat fraction), on-policy and decisive pairwise accuracy, Kendall tau, concordant and discordant
pairs against the reference, alignment (per-group covariance of the normalized rewards with the reference's), a
paired percentile bootstrap of every variance and alignment mean (1000 resamples) and the margin of the best
alignment over the runner-up read from the same resamples. Prints the numbers as JSON on stdout, so the bench
can check they are the report's.

Usage: python3 bench/report_numpy.py FILE [REFERENCE]   (REFERENCE defaults to "gold")
It writes no HTML or Markdown; parsing uses orjson when it is installed, else the standard json module.
"""
import json
import sys

import numpy as np

try:
    import orjson

    loads = orjson.loads
except ImportError:  # pragma: no cover - depends on the machine
    loads = json.loads

RESAMPLES = 1000
CHUNK = 50
FLAT = 0.01


def read(path):
    ids = None
    columns = None
    with open(path, "rb") as handle:
        for line in handle:
            if not line.strip():
                continue
            scores = loads(line)["scores"]
            if ids is None:
                ids = list(scores)
                columns = [[] for _ in ids]
            for column, model in zip(columns, ids):
                column.append(scores[model])
    return ids, [np.asarray(column, dtype=np.float64) for column in columns]


def main():
    path = sys.argv[1]
    reference = sys.argv[2] if len(sys.argv) > 2 else "gold"
    ids, tables = read(path)
    groups, n = tables[0].shape
    gold = tables[ids.index(reference)]
    gold_std = gold.std(ddof=1)
    gold_centered = gold - gold.mean(axis=1, keepdims=True)
    i, j = np.triu_indices(n, k=1)
    gold_sign = np.sign(gold[:, i] - gold[:, j])

    models = {}
    variance_series = []
    alignment_series = []
    alignment_ids = []
    for model, table in zip(ids, tables):
        mean, std = table.mean(), table.std(ddof=1)
        normalized = table.var(axis=1, ddof=1) / std**2
        q = np.quantile(normalized, [0, 0.25, 0.5, 0.75, 1])
        entry = {
            "calibration": {"mean": float(mean), "std": float(std)},
            "variance": {"mean": float(normalized.mean()), "min": float(q[0]), "q25": float(q[1]), "median": float(q[2]), "q75": float(q[3]), "max": float(q[4]), "flatFraction": float((normalized <= FLAT).mean())},
        }
        variance_series.append(normalized)
        if model != reference:
            sign = np.sign(table[:, i] - table[:, j])
            agree = (sign == gold_sign).mean(axis=1)
            concordant = (sign * gold_sign > 0).sum(axis=1)
            discordant = (sign * gold_sign < 0).sum(axis=1)
            ties_rm = ((sign == 0) & (gold_sign != 0)).sum(axis=1)
            ties_gold = ((sign != 0) & (gold_sign == 0)).sum(axis=1)
            decisive_pairs = concordant + discordant + ties_rm
            with np.errstate(invalid="ignore", divide="ignore"):
                decisive = np.where(decisive_pairs > 0, concordant / decisive_pairs, np.nan)
                tau = (concordant - discordant) / np.sqrt((concordant + discordant + ties_rm) * (concordant + discordant + ties_gold))
            covariance = ((table - table.mean(axis=1, keepdims=True)) * gold_centered).sum(axis=1) / (n - 1)
            alignment = covariance / (std * gold_std)
            entry["accuracy"] = {
                "onPolicy": float(agree.mean()),
                "onPolicyDecisive": float(np.nanmean(decisive)),
                "kendallTau": float(np.nanmean(tau)),
                "orderAgreement": float(concordant.sum() / (concordant.sum() + discordant.sum())),
            }
            entry["alignment"] = {"mean": float(alignment.mean())}
            alignment_series.append(alignment)
            alignment_ids.append(model)
        models[model] = entry

    # Paired bootstrap: one draw of groups per resample for every series, as multinomial counts.
    series = np.stack(variance_series + alignment_series, axis=1)
    rng = np.random.default_rng(0)
    means = np.empty((RESAMPLES, series.shape[1]))
    for start in range(0, RESAMPLES, CHUNK):
        stop = min(RESAMPLES, start + CHUNK)
        counts = np.empty((stop - start, groups))
        for row in range(stop - start):
            counts[row] = np.bincount(rng.integers(0, groups, size=groups), minlength=groups)
        means[start:stop] = counts @ series / groups
    low, high = np.quantile(means, [0.025, 0.975], axis=0)
    for k, model in enumerate(ids):
        models[model]["variance"]["ci95"] = [float(low[k]), float(high[k])]
    offset = len(ids)
    for k, model in enumerate(alignment_ids):
        models[model]["alignment"]["ci95"] = [float(low[offset + k]), float(high[offset + k])]
    order = sorted(range(len(alignment_ids)), key=lambda k: -alignment_series[k].mean())
    best, runner_up = order[0], order[1]
    difference = means[:, offset + best] - means[:, offset + runner_up]
    margin = {"selected": alignment_ids[best], "runnerUp": alignment_ids[runner_up], "ci95": [float(v) for v in np.quantile(difference, [0.025, 0.975])]}
    json.dump({"groups": groups, "models": models, "margin": margin}, sys.stdout)


if __name__ == "__main__":
    main()
