"""Logistic regression by gradient descent as one Dask distributed job (HiBench's LR on
Spark): each worker generates its partitions of LIBSVM rows through its disk and reads them
back; every iteration each partition computes its part of the summed log-loss gradient, the
client adds the parts in partition order, takes the step and broadcasts the new weights."""
import hashlib
import os
import time

import dask_jobs as dj
import numpy as np


def load(path, keep, _part):
    labels, lengths, idx, vals = [], [], [], []
    with open(path) as f:
        for line in f:
            fields = line.split()
            if not fields:
                continue
            labels.append(int(fields[0]))
            lengths.append(len(fields) - 1)
            for pair in fields[1:]:
                i, v = pair.split(":")
                idx.append(int(i) - 1)
                vals.append(float(v))
    if not keep:
        os.remove(path)
    lengths = np.array(lengths)
    return {
        "labels": np.array(labels, dtype=float),
        "starts": np.concatenate(([0], np.cumsum(lengths)[:-1])),
        "row": np.repeat(np.arange(len(labels)), lengths),
        "idx": np.array(idx, dtype=np.int64),
        "vals": np.array(vals),
    }


def partial(part, w):
    z = np.add.reduceat(w[part["idx"]] * part["vals"], part["starts"])
    p = 1 / (1 + np.exp(-z))
    y = part["labels"]
    # log-loss through log1p(exp(-|z|)) so a confident mistake does not overflow
    loss = float((np.log1p(np.exp(-np.abs(z))) + np.maximum(0, np.where(y == 1, -z, z))).sum())
    correct = int(((p >= 0.5) == (y == 1)).sum())
    grad = np.zeros_like(w)
    np.add.at(grad, part["idx"], (p - y)[part["row"]] * part["vals"])
    return grad, loss, correct


def count(part):
    return len(part["labels"])


async def run(client, a, workers):
    P, F = a["partitions"], a["features"]
    gen = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gen.mjs")
    fields = {"samples": a["samples"], "features": F, "nonzeros": a["nonzeros"], "seed": a["seed"], "partitions": P}
    parts, sizes, on, phases = await dj.generate_and_load(client, workers, gen, fields, "libsvm", load, a.get("keep-data"), count)
    n = sum(sizes)
    t2 = time.perf_counter()

    async def pass_over(w):
        grad, loss, correct = np.zeros(F), 0.0, 0
        for g, l, c in await client.gather([client.submit(partial, parts[p], w, **on(p)) for p in range(P)]):
            grad += g  # in partition order
            loss += l
            correct += c
        return grad, loss / n, correct / n

    w = np.zeros(F)
    for _ in range(a["iterations"]):
        grad, _, _ = await pass_over(w)
        w = w - a["step"] * (grad / n + a["l2"] * w)
    t3 = time.perf_counter()
    _, loss, accuracy = await pass_over(w)
    metrics = {
        "samplesPerSecond": n * a["iterations"] / (t3 - t2),
        "msPerIteration": 1000 * (t3 - t2) / a["iterations"],
        **phases,
        "loss": loss,
        "accuracy": accuracy,
        "clusterWorkers": len(workers),
    }
    if a.get("check-single"):
        args = [f"--features={F}", f"--iterations={a['iterations']}", f"--step={a['step']}", f"--l2={a['l2']}"]
        theirs = dj.single(gen, fields, "libsvm", "logreg", args)
        metrics["singleMaxDiff"] = dj.within("logreg", w[:1000], theirs["weights"])
    return {"checksum": hashlib.sha256(w.tobytes()).hexdigest()[:16], "verified": True, "metrics": metrics}
