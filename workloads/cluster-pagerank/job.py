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


def contribute(part, rank):
    """This partition's contributions to every destination partition, and its dangling rank."""
    out = part["outdeg"]
    share = np.zeros_like(rank)
    np.divide(rank, out, out=share, where=out > 0)
    pieces = [np.bincount(d, weights=share[s], minlength=size) for s, d, size in part["by_dest"]]
    return pieces, float(rank[out == 0].sum())


def piece(contrib, q):
    return contrib[0][q]


def dangling(contrib):
    return contrib[1]


def reduce_ranks(n, damping, danglings, *pieces):
    """New ranks of one destination partition: the pieces added in source-partition order."""
    lost = 0.0
    for d in danglings:
        lost += d
    acc = pieces[0].copy()
    for x in pieces[1:]:
        acc += x
    return (1 - damping) / n + damping * lost / n + damping * acc


def initial(size, n):
    return np.full(size, 1.0 / n)


async def run(client, a, workers):
    P, n, d = a["partitions"], a["pages"], a["damping"]
    gen = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gen.mjs")
    owner = [workers[p % len(workers)] for p in range(P)]
    fields = {k: a[k] for k in ["pages", "avg-links", "zipf", "seed"]} | {"partitions": P}
    load_part = loader(n, P)
    parts, sizes, on, phases = await dj.generate_and_load(client, workers, gen, fields, "bin", load_part, a.get("keep-data"), edges_of)
    edges = sum(sizes)
    t2 = time.perf_counter()
    ranks = [client.submit(initial, part_range(n, P, p)[1] - part_range(n, P, p)[0], n, **on(p)) for p in range(P)]
    for _ in range(a["iterations"]):
        contribs = [client.submit(contribute, parts[p], ranks[p], **on(p)) for p in range(P)]
        dang = [client.submit(dangling, contribs[p], **on(p)) for p in range(P)]
        ranks = [
            client.submit(reduce_ranks, n, d, dang, *[client.submit(piece, contribs[p], q, **on(p)) for p in range(P)], **on(q))
            for q in range(P)
        ]
        # an iteration is a stage, as in Spark: the graph of a long job never piles up at the scheduler
        await wait(ranks)
    rank = np.concatenate(await client.gather(ranks))
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
