// What the cluster workloads' data generators share: each partition from a PRNG stream of
// its own (so a worker writes its partition without the others'), the rows of partition p
// of P, and the command line: `--part p --out FILE` writes one partition, `--all --out FILE`
// every partition in order (the whole data set, for the single-process workload).

/** The rows [lo, hi) of partition `part` of `partitions`. Pure. */
export function partRange(total, partitions, part) {
  return [Math.floor((total * part) / partitions), Math.floor((total * (part + 1)) / partitions)];
}

/** The seed of partition `part`'s stream (the shared draws use `seed` itself). Pure. */
export function partSeed(seed, part) {
  return (seed ^ Math.imul(part + 1, 0x9e3779b9)) >>> 0;
}

/** `--name value` pairs and the flag `--all` of a generator's command line; numbers where they parse. */
export function parseGenArgs(argv) {
  const o = {};
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i].replace(/^--/, '');
    if (k === 'all') o.all = true;
    else {
      const v = argv[++i];
      o[k] = k !== 'out' && v !== '' && Number.isFinite(Number(v)) ? Number(v) : v;
    }
  }
  return o;
}

/** The partitions a command line asks for: one, or all of them in order. */
export function partsOf(o) {
  return o.all ? Array.from({ length: o.partitions }, (_, p) => p) : [o.part];
}

/** Whether this module is the script node runs (not an import). */
export function isMain(url) {
  return process.argv[1] !== undefined && url.endsWith(`/${process.argv[1].split('/').pop()}`);
}
