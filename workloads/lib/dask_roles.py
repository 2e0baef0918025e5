"""The roles of a Dask distributed cluster as versus runs them (workloads/lib/dask.mjs
starts this under /usr/bin/python3): a scheduler, workers that register with it, and a
client that runs one job module's `run(client, params, workers)` and prints its result.
Every line on stdout is JSON for the node side; Dask's own logging goes to stderr."""
import argparse
import asyncio
import importlib.util
import json
import logging
import signal
import sys
import time


def say(**fields):
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()


async def until_stopped():
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


async def scheduler(a):
    from distributed import Scheduler
    from distributed.diagnostics.plugin import SchedulerPlugin

    class Seen(SchedulerPlugin):
        """Every worker that ever registered (at the stop some may have left already)."""

        def __init__(self):
            self.names = set()

        def add_worker(self, scheduler=None, worker=None, **kwargs):
            self.names.add(worker)

    seen = Seen()
    s = await Scheduler(host=a.listen, port=a.port, dashboard=False, dashboard_address=None)
    s.add_plugin(seen)
    say(event="ready", address=s.address)
    await until_stopped()
    say(event="stopped", workers_seen=len(seen.names))
    await s.close()


def load_job(path):
    """The job module under one name in the client and in every worker: cloudpickle then
    sends its functions by reference, not their code with every task (three times the time
    of an iteration here)."""
    spec = importlib.util.spec_from_file_location("versus_job", path)
    job = importlib.util.module_from_spec(spec)
    sys.modules["versus_job"] = job
    spec.loader.exec_module(job)
    return job


async def worker(a):
    from distributed import Worker

    if a.job:
        load_job(a.job)
    w = await Worker(
        f"tcp://{a.scheduler}",
        name=a.name,
        nthreads=a.threads,
        memory_limit=a.memory_mib * 2**20 if a.memory_mib else "auto",
        host=a.listen,
        local_directory=a.local_dir,
        dashboard=False,
    )
    say(event="ready", address=w.address, name=a.name)
    closed = asyncio.ensure_future(w.finished())
    stopped = asyncio.ensure_future(until_stopped())
    await asyncio.wait([closed, stopped], return_when=asyncio.FIRST_COMPLETED)
    if closed.done():
        say(event="lost", why="the worker closed: its scheduler is gone")
        sys.exit(1)
    await w.close(timeout=10)


async def client(a):
    from distributed import Client

    job = load_job(a.job)
    params = json.loads(a.params)
    async with Client(f"tcp://{a.scheduler}", asynchronous=True, timeout=30) as c:
        names = sorted(w["name"] for w in c.scheduler_info()["workers"].values())
        t0 = time.perf_counter()
        result = await job.run(c, params, names)
        result.setdefault("metrics", {})["jobSeconds"] = time.perf_counter() - t0
        result["workers"] = names
        say(event="result", **result)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("role", choices=["scheduler", "worker", "client"])
    p.add_argument("--listen", default="0.0.0.0")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--scheduler")
    p.add_argument("--name")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--memory-mib", type=int, default=0)
    p.add_argument("--local-dir", default="/tmp")
    p.add_argument("--job")
    p.add_argument("--params", default="{}")
    a = p.parse_args()
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    asyncio.run({"scheduler": scheduler, "worker": worker, "client": client}[a.role](a))


if __name__ == "__main__":
    main()
