"""HiBench's join query as one Dask distributed job, a shuffle join as Spark runs it:
  SELECT sourceIP, avg(pageRank), sum(adRevenue) AS totalRevenue
  FROM rankings R JOIN uservisits UV ON R.pageURL = UV.destURL
  WHERE UV.visitDate BETWEEN from AND to GROUP BY sourceIP ORDER BY totalRevenue DESC
Each worker generates its partitions of both tables through its disk and reads them back;
both sides are shuffled by the URL's hash to the partition that joins them, the partial
groups shuffled again by the source IP's hash to the partition that sums them. Sums are
integers (ranks, cents): the result is exact, and its text the single-process workload's."""
import os
import shutil
import time

import dask_jobs as dj
import numpy as np
import pandas as pd


def load(path, keep, _part):
    r = pd.read_csv(f"{path}/rankings.csv", header=None, usecols=[0, 1], names=["url", "rank"], dtype={0: str, 1: np.int64})
    v = pd.read_csv(f"{path}/uservisits.csv", header=None, usecols=[0, 1, 2, 3], names=["ip", "url", "date", "rev"], dtype=str)
    # "123.45": always two decimals (the generator pads them), so the cents are the digits
    v["cents"] = v["rev"].str.replace(".", "", regex=False).astype(np.int64)
    if not keep:
        shutil.rmtree(path, ignore_errors=True)
    return r, v.drop(columns="rev")


def buckets(frame, column, partitions):
    h = pd.util.hash_pandas_object(frame[column], index=False).to_numpy() % partitions
    return [frame[h == q] for q in range(partitions)]


def shuffle_sides(tables, frm, to, partitions):
    r, v = tables
    v = v[(v["date"] >= frm) & (v["date"] <= to)]
    return buckets(r, "url", partitions), buckets(v, "url", partitions)


def side(sides, which, q):
    return sides[which][q]


def join_groups(partitions, count, *pieces):
    """Partition q of the join: its rankings and visits from every source partition, joined and grouped by IP."""
    r, v = pd.concat(pieces[:count]), pd.concat(pieces[count:])
    j = v.merge(r, on="url")
    g = j.groupby("ip", sort=False).agg(rank=("rank", "sum"), n=("rank", "size"), cents=("cents", "sum")).reset_index()
    return buckets(g, "ip", partitions)


def group_piece(groups, q):
    return groups[q]


def final_groups(*pieces):
    return pd.concat(pieces).groupby("ip", sort=False).sum().reset_index()


def size(tables):
    return len(tables[1])


def js_number(x):
    """A float as JavaScript prints it (shortest round trip; an integer without '.0')."""
    text = repr(float(x))
    return text[:-2] if text.endswith(".0") else text


def checksum_of(data):
    """lib/runner.mjs checksumOf over bytes: two 32-bit FNV-1a lanes."""
    h1, h2, m = 0x811C9DC5, 0x050C5D1F, 0xFFFFFFFF
    for i, b in enumerate(data):
        h1 = ((h1 ^ b) * 0x01000193) & m
        h2 = ((h2 ^ b ^ (i & 0xFF)) * 0x01000193) & m
    return f"{h1:08x}{h2:08x}"


async def run(client, a, workers):
    P = a["partitions"]
    gen = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gen.mjs")
    fields = {k: a[k] for k in ["rankings", "uservisits", "source-ips", "seed"]} | {"partitions": P}
    tables, sizes, on, phases = await dj.generate_and_load(client, workers, gen, fields, "tables", load, a.get("keep-data"), size)
    visits = sum(sizes)
    t2 = time.perf_counter()
    sides = [client.submit(shuffle_sides, tables[p], a["from"], a["to"], P, **on(p)) for p in range(P)]
    joined = []
    for q in range(P):
        rs = [client.submit(side, sides[p], 0, q, **on(p)) for p in range(P)]
        vs = [client.submit(side, sides[p], 1, q, **on(p)) for p in range(P)]
        joined.append(client.submit(join_groups, P, P, *rs, *vs, **on(q)))
    finals = [
        client.submit(final_groups, *[client.submit(group_piece, joined[q], r, **on(q)) for q in range(P)], **on(r))
        for r in range(P)
    ]
    rows = pd.concat(await client.gather(finals))
    rows = rows.sort_values(["cents", "ip"], ascending=[False, True], kind="mergesort")
    t3 = time.perf_counter()
    text = "\n".join(f"{ip}|{js_number(s / n)}|{c}" for ip, s, n, c in zip(rows["ip"], rows["rank"], rows["n"], rows["cents"]))
    checksum = checksum_of(text.encode())
    metrics = {
        "rowsPerSecond": visits / (t3 - t2),
        "querySeconds": t3 - t2,
        **phases,
        "resultRows": len(rows),
        "clusterWorkers": len(workers),
    }
    if a.get("check-single"):
        theirs = dj.single(gen, fields, "tables", "sqljoin", [f"--from={a['from']}", f"--to={a['to']}"], input_flag="input-dir")
        if theirs["checksum"] != checksum:
            raise RuntimeError(f"the single-process sqljoin answers {theirs['checksum']}, this job {checksum}, on the same data")
        metrics["singleMaxDiff"] = 0.0
    return {"checksum": checksum, "verified": True, "metrics": metrics}
