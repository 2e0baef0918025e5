"""Lloyd's k-means as one Dask distributed job (HiBench's K-means on Spark): each worker
generates its partitions of points through its disk and reads them back; every iteration
each partition assigns its points to the nearest centroid (ties: the lower index) and sums
them, the client combines the partials in partition order and broadcasts the new centroids.
The same arithmetic order in every partition for every cluster size: the same bytes."""
import hashlib
import os
import time

import dask_jobs as dj
import numpy as np


def load(path, keep, _part):
    points = np.loadtxt(path, delimiter=",", ndmin=2)
    if not keep:
        os.remove(path)
    return points


def rows(points, idx):
    return points[idx]


def partial(points, centroids):
    n, d = points.shape
    dist = np.zeros((n, len(centroids)))
    for t in range(d):  # coordinate by coordinate, as the single-process kernel adds them
        diff = points[:, t : t + 1] - centroids[None, :, t]
        dist += diff * diff
    best = np.argmin(dist, axis=1)
    sums = np.zeros_like(centroids)
    np.add.at(sums, best, points)
    counts = np.bincount(best, minlength=len(centroids)).astype(float)
    return sums, counts, float(dist[np.arange(n), best].sum())


def count(points):
    return len(points)


async def run(client, a, workers):
    P, k = a["partitions"], a["k"]
    gen = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gen.mjs")
    fields = {"points": a["points"], "dimensions": a["dimensions"], "clusters": a["clusters"], "seed": a["seed"], "partitions": P}
    parts, sizes, on, phases = await dj.generate_and_load(client, workers, gen, fields, "csv", load, a.get("keep-data"), count)
    t2 = time.perf_counter()
    n = sum(sizes)
    if k > n:
        raise ValueError(f"k = {k} is more than the {n} points")
    starts = np.cumsum([0] + sizes)
    wanted = [(j * n) // k for j in range(k)]  # the single-process workload's first centroids
    picks = []
    for p in range(P):
        idx = [r - starts[p] for r in wanted if starts[p] <= r < starts[p + 1]]
        if idx:
            picks.append(client.submit(rows, parts[p], idx, **on(p)))
    centroids = np.concatenate(await client.gather(picks))
    for _ in range(a["iterations"]):
        partials = await client.gather([client.submit(partial, parts[p], centroids, **on(p)) for p in range(P)])
        sums, counts, sse = np.zeros_like(centroids), np.zeros(k), 0.0
        for s, c, e in partials:  # in partition order
            sums += s
            counts += c
            sse += e
        nonempty = counts > 0
        centroids = centroids.copy()
        centroids[nonempty] = sums[nonempty] / counts[nonempty, None]
    t3 = time.perf_counter()
    metrics = {
        "pointsPerSecond": n * a["iterations"] / (t3 - t2),
        "msPerIteration": 1000 * (t3 - t2) / a["iterations"],
        **phases,
        "sse": sse,
        "clusterWorkers": len(workers),
    }
    if a.get("check-single"):
        theirs = dj.single(gen, fields, "csv", "kmeans", [f"--k={k}", f"--iterations={a['iterations']}"])
        metrics["singleMaxDiff"] = dj.within("kmeans", centroids.ravel()[:1000], theirs["centroids"])
        if list(counts) != theirs["counts"]:
            raise RuntimeError("the single-process kmeans assigns the points differently on the same data")
    return {
        "checksum": hashlib.sha256(centroids.tobytes() + counts.tobytes()).hexdigest()[:16],
        "verified": True,
        "metrics": metrics,
    }
