"""What the cluster jobs share (imported by their job.py on the client and on the workers:
both run lib/dask_roles.py, so lib/ is on their path): partitions pinned to workers, data
generated through each worker's disk by the job's gen.mjs, and the single-process workload
run on the same data for the verification."""
import json
import os
import subprocess
import tempfile
import time

from distributed import get_worker, wait


def part_range(total, partitions, part):
    return (total * part) // partitions, (total * (part + 1)) // partitions


def pinning(workers):
    """Partition p always on worker p mod N, never elsewhere: the same work for every cluster size."""

    def on(p):
        return {"workers": [workers[p % len(workers)]], "allow_other_workers": False, "pure": False}

    return on


def node():
    return os.environ.get("VERSUS_NODE", "/usr/bin/node")


def gen_args(gen, fields):
    return [node(), gen] + [str(x) for kv in fields.items() for x in (f"--{kv[0]}", kv[1])]


def generate_part(gen, fields, part, ext):
    """On the worker that owns `part`: its partition written to its own disk; the file's path."""
    out = os.path.join(get_worker().local_directory, f"part-{part}.{ext}")
    subprocess.run(gen_args(gen, fields) + ["--part", str(part), "--out", out], check=True, capture_output=True)
    return out


def single(gen, fields, ext, workload, args, input_flag="input"):
    """The single-process workload of versus on the whole data set (every partition in order,
    as gen.mjs --all writes it): its result line."""
    workloads = os.path.dirname(os.path.dirname(gen))
    with tempfile.TemporaryDirectory(prefix="versus-cluster-check-") as tmp:
        data = os.path.join(tmp, f"all.{ext}")
        subprocess.run(gen_args(gen, fields) + ["--all", "--out", data], check=True, capture_output=True)
        cmd = [node(), os.path.join(workloads, "barrier.mjs"), f"{workload}/{workload}.mjs"]
        cmd += [f"--{input_flag}={data}", f"--work-dir={tmp}", "--threads=1"] + args
        out = subprocess.run(cmd, input="go\n", text=True, check=True, capture_output=True).stdout
    lines = [json.loads(x) for x in out.splitlines() if x.startswith("{")]
    return next(x for x in lines if x.get("type") == "result")


def within(name, ours, theirs, tolerance=1e-9):
    """The largest difference, relative to the larger magnitude (at least 1); fails the job beyond tolerance."""
    worst = 0.0
    for a, b in zip(ours, theirs, strict=True):
        worst = max(worst, abs(a - b) / max(1.0, abs(a), abs(b)))
    if not worst <= tolerance:
        raise RuntimeError(f"the single-process {name} differs by {worst} (more than {tolerance}) on the same data")
    return worst


async def generate_and_load(client, workers, gen, fields, ext, load, keep, rows):
    """The data phases of every job: each worker writes its partitions through its disk, then
    reads them back into memory (`load(path, keep, part)`); the partitions' futures, their row
    counts (`rows(part)`), the pinning and the seconds of each phase."""
    P = fields["partitions"]
    on = pinning(workers)
    t0 = time.perf_counter()
    files = [client.submit(generate_part, gen, fields, p, ext, **on(p)) for p in range(P)]
    await wait(files)
    t1 = time.perf_counter()
    parts = [client.submit(load, files[p], keep, p, **on(p)) for p in range(P)]
    sizes = await client.gather([client.submit(rows, parts[p], **on(p)) for p in range(P)])
    return parts, sizes, on, {"generateSeconds": t1 - t0, "loadSeconds": time.perf_counter() - t1}
