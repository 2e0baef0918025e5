#!/usr/bin/env node
// sysbench memory through versus: the tool's own numbers, checked and reported as metrics.
import { sysbenchWorkload } from '../lib/sysbench.mjs';
import { parsed } from '../lib/tool.mjs';

sysbenchWorkload(
  new URL('./workload.json', import.meta.url),
  'memory',
  (p) => [`--memory-block-size=${p['block-kib']}K`, '--memory-total-size=100T', `--memory-oper=${p.operation}`],
  (stdout) => ({
    mibPerSecond: parsed(stdout, /\(([\d.]+) MiB\/sec\)/, 'MiB/sec'),
    eventsPerSecond:
      parsed(stdout, /total number of events:\s*([\d.]+)/, 'the number of events') /
      parsed(stdout, /total time:\s*([\d.]+)s/, 'the total time'),
  }),
);
