"""PageRank as one Dask distributed job, in the shape of HiBench's Spark PageRank: each
worker generates its partitions through its disk and reads them back, then every iteration
joins the links with the ranks (contributions of each source partition), combines them on
the worker (Spark's map-side combine of reduceByKey), shuffles them by destination partition
and reduces them there — one shuffle per iteration. Partition p always runs on worker
p mod N. Contributions are added in fixed point — integers below 2**53, which float64 adds
exactly in any order — so the ranks are the same bytes for every cluster size and
environment, whichever worker added what."""
import hashlib
import os
import time

import dask_jobs as dj
import numpy as np
from distributed import wait


part_range = dj.part_range
# a rank share in units of 2**-52: every partial sum of shares is at most the total rank (1),
# so below 2**53, where float64 integers add exactly
SCALE = float(2**52)


def loader(pages, partitions):
    return lambda path, keep, part: load(pages, partitions, path, keep, part)


def load(pages, partitions, path, keep, part):
    # a link repeated counts once, as in the single-process workload's CSR (self-loops stay);
    # every link of a page is in its partition, so this is the whole graph's rule
    edges = np.unique(np.fromfile(path, dtype="<i4").reshape(-1, 2), axis=0)
    if not keep:
        os.remove(path)
    lo, hi = part_range(pages, partitions, part)
    src = edges[:, 0].astype(np.int64) - lo
    return {"outdeg": np.bincount(src, minlength=hi - lo), "src": src, "dst": edges[:, 1].astype(np.int64)}


def edges_of(part):
    return len(part["src"])


def fixed(x):
    return np.round(x * SCALE)


def contribute(pages, owner_of, owned, ranks, *parts):
    """A worker's partitions' contributions to every page, combined, then cut by the worker
    that owns each destination partition ({worker: {q: piece}}), and their dangling rank."""
    total = np.zeros(pages)
    dangling = 0.0
    for p, part in zip(owned, parts, strict=True):
        out, rank = part["outdeg"], ranks[p]
        share = np.zeros_like(rank)
        np.divide(rank, out, out=share, where=out > 0)
        total += np.bincount(part["dst"], weights=fixed(share)[part["src"]], minlength=pages)
        dangling += fixed(rank[out == 0]).sum()
    bundles = {}
    for q, w in enumerate(owner_of):
        lo, hi = part_range(pages, len(owner_of), q)
        bundles.setdefault(w, {})[q] = total[lo:hi]
    return bundles, dangling


def bundle_for(contrib, worker):
    return contrib[0].get(worker, {}), contrib[1]


def reduce_ranks(n, damping, owned, *bundles):
    """New ranks of a worker's partitions from every worker's combined pieces and dangling
    rank: exact sums, so the same whatever the cluster size."""
    lost = sum(d for _, d in bundles) / SCALE
    ranks = {}
    for q in owned:
        acc = bundles[0][0][q].copy()
        for b, _ in bundles[1:]:
            acc += b[q]
        ranks[q] = (1 - damping) / n + damping * lost / n + damping * (acc / SCALE)
    return ranks


def step(n, damping, owner_of, owned, *bundles_then_parts):
    """One iteration on a worker, as one Spark stage: the reduction of the shuffle that
    brought its pieces, then its partitions' next contributions (no hop in between)."""
    k = len(bundles_then_parts) - len(owned)
    ranks = reduce_ranks(n, damping, owned, *bundles_then_parts[:k])
    return contribute(n, owner_of, owned, ranks, *bundles_then_parts[k:])


def initial(n, partitions, owned):
    return {q: np.full(part_range(n, partitions, q)[1] - part_range(n, partitions, q)[0], 1.0 / n) for q in owned}


async def run(client, a, workers):
    P, n, d = a["partitions"], a["pages"], a["damping"]
    gen = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gen.mjs")
    owner = [workers[p % len(workers)] for p in range(P)]
    fields = {k: a[k] for k in ["pages", "avg-links", "zipf", "seed"]} | {"partitions": P}
    load_part = loader(n, P)
    parts, sizes, _, phases = await dj.generate_and_load(client, workers, gen, fields, "bin", load_part, a.get("keep-data"), edges_of)
    edges = sum(sizes)
    t2 = time.perf_counter()
    # an iteration is one stage per worker, as Spark pipelines it: the reduction of the last
    # shuffle and the next contributions in one task; the shuffle between them moves each
    # worker's combined pieces to the worker that owns their partitions
    busy = sorted({owner[p] for p in range(P)}, key=workers.index)
    owned = {w: [p for p in range(P) if owner[p] == w] for w in busy}
    pin = {w: {"workers": [w], "allow_other_workers": False, "pure": False} for w in busy}

    def mine(w):
        return [parts[p] for p in owned[w]]

    first = {w: client.submit(initial, n, P, owned[w], **pin[w]) for w in busy}
    contribs = {w: client.submit(contribute, n, owner, owned[w], first[w], *mine(w), **pin[w]) for w in busy}

    def shuffled(v):
        return [client.submit(bundle_for, contribs[w], v, **pin[w]) for w in busy]

    for _ in range(a["iterations"] - 1):
        contribs = {v: client.submit(step, n, d, owner, owned[v], *shuffled(v), *mine(v), **pin[v]) for v in busy}
    ranks = {v: client.submit(reduce_ranks, n, d, owned[v], *shuffled(v), **pin[v]) for v in busy}
    gathered = await client.gather([ranks[w] for w in busy])
    by_part = {q: r for g in gathered for q, r in g.items()}
    rank = np.concatenate([by_part[q] for q in range(P)])
    t3 = time.perf_counter()
    total = float(rank.sum())
    if abs(total - 1) >= 1e-9:
        raise RuntimeError(f"ranks sum to {total}, not 1")
    top = np.lexsort((np.arange(n), -rank))[:10]
    # every worker sends each other worker the combined pieces of that worker's partitions
    shuffle = (len(busy) - 1) * n * 8 * a["iterations"]
    iterate = t3 - t2
    single = check_single(a, gen, rank) if a.get("check-single") else {}
    return {
        "checksum": hashlib.sha256(rank.tobytes()).hexdigest()[:16],
        "verified": True,
        "rankSum": total,
        "top": [{"vertex": int(v), "rank": float(rank[v])} for v in top],
        "edges": int(edges),
        "metrics": {
            "edgesPerSecond": edges * a["iterations"] / iterate,
            "msPerIteration": 1000 * iterate / a["iterations"],
            **phases,
            "shuffleMiB": shuffle / 2**20,
            "clusterWorkers": len(workers),
            **single,
        },
    }


def check_single(a, gen, rank):
    """The single-process pagerank workload on the same data (the whole graph as one edge
    list): its ranks and these within 1e-9, or the job fails."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="versus-cluster-ranks-") as tmp:
        ranks_out = os.path.join(tmp, "ranks.txt")
        fields = {k: a[k] for k in ["pages", "avg-links", "zipf", "seed"]} | {"partitions": a["partitions"]}
        args = ["--graph=file", f"--iterations={a['iterations']}", "--tolerance=0", f"--damping={a['damping']}"]
        dj.single(gen, fields, "edges", "pagerank", args + [f"--ranks-out={ranks_out}"])
        theirs = np.zeros(len(rank))
        with open(ranks_out) as f:
            for line in f:
                v, r = line.split()
                theirs[int(v)] = float(r)
    return {"singleMaxDiff": dj.within("pagerank", rank, theirs)}
