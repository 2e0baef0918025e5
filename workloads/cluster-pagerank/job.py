"""PageRank as one Dask distributed job, in the shape of HiBench's Spark PageRank: each
worker generates its partitions through its disk and reads them back, then every iteration
joins the links with the ranks (contributions of each source partition), shuffles them by
destination partition and reduces them there — one shuffle per iteration. Partition p
always runs on worker p mod N and partial sums are added in partition order, so the ranks
are the same bytes for every cluster size and environment."""
import hashlib
import os
import time

import dask_jobs as dj
import numpy as np
from distributed import wait


part_range = dj.part_range


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
    dst = edges[:, 1].astype(np.int64)
    by_dest = []
    for q in range(partitions):
        qlo, qhi = part_range(pages, partitions, q)
        m = (dst >= qlo) & (dst < qhi)
        by_dest.append((src[m], dst[m] - qlo, qhi - qlo))
    return {"outdeg": np.bincount(src, minlength=hi - lo), "by_dest": by_dest, "edges": len(src)}


def edges_of(part):
    return part["edges"]


def contribute_part(part, rank):
    """One partition's contributions to every destination partition, and its dangling rank."""
    out = part["outdeg"]
    share = np.zeros_like(rank)
    np.divide(rank, out, out=share, where=out > 0)
    pieces = [np.bincount(d, weights=share[s], minlength=size) for s, d, size in part["by_dest"]]
    return pieces, float(rank[out == 0].sum())


def contribute(owner_of, owned, ranks, *parts):
    """A worker's partitions' contributions, bundled by the worker that owns each destination
    partition ({worker: [(p, q, piece)]}), and their dangling ranks ({p: rank})."""
    bundles, dangling = {}, {}
    for p, part in zip(owned, parts, strict=True):
        pieces, dangling[p] = contribute_part(part, ranks[p])
        for q, piece in enumerate(pieces):
            bundles.setdefault(owner_of[q], []).append((p, q, piece))
    return bundles, dangling


def bundle_for(contrib, worker):
    return contrib[0].get(worker, []), contrib[1]


def reduce_ranks(n, damping, owned, *bundles):
    """New ranks of a worker's partitions: for each, the pieces of every source partition
    added in source-partition order, the dangling ranks likewise; the same sums whatever the
    cluster size."""
    pieces, dangling = {q: [] for q in owned}, {}
    for bundle, d in bundles:
        dangling.update(d)
        for p, q, piece in bundle:
            pieces[q].append((p, piece))
    lost = 0.0
    for p in sorted(dangling):
        lost += dangling[p]
    ranks = {}
    for q in owned:
        ordered = [x for _, x in sorted(pieces[q], key=lambda e: e[0])]
        acc = ordered[0].copy()
        for x in ordered[1:]:
            acc += x
        ranks[q] = (1 - damping) / n + damping * lost / n + damping * acc
    return ranks


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
    # an iteration is a stage, as in Spark, and its tasks are per worker, not per partition
    # pair: a worker's contributions bundled by destination worker, one reduction per worker
    busy = sorted({owner[p] for p in range(P)}, key=workers.index)
    owned = {w: [p for p in range(P) if owner[p] == w] for w in busy}
    pin = {w: {"workers": [w], "allow_other_workers": False, "pure": False} for w in busy}
    ranks = {w: client.submit(initial, n, P, owned[w], **pin[w]) for w in busy}
    for _ in range(a["iterations"]):
        contribs = {w: client.submit(contribute, owner, owned[w], ranks[w], *[parts[p] for p in owned[w]], **pin[w]) for w in busy}
        ranks = {
            v: client.submit(reduce_ranks, n, d, owned[v], *[client.submit(bundle_for, contribs[w], v, **pin[w]) for w in busy], **pin[v])
            for v in busy
        }
        await wait(list(ranks.values()))
    gathered = await client.gather([ranks[w] for w in busy])
    by_part = {q: r for g in gathered for q, r in g.items()}
    rank = np.concatenate([by_part[q] for q in range(P)])
    t3 = time.perf_counter()
    total = float(rank.sum())
    if abs(total - 1) >= 1e-9:
        raise RuntimeError(f"ranks sum to {total}, not 1")
    top = np.lexsort((np.arange(n), -rank))[:10]
    crossing = sum(1 for p in range(P) for q in range(P) if owner[p] != owner[q])
    shuffle = crossing * (n / P) * 8 * a["iterations"]
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
