#!/usr/bin/env node
// sysbench cpu through versus: the tool's own numbers, checked and reported as metrics.
import { sysbenchWorkload } from '../lib/sysbench.mjs';
import { parsed } from '../lib/tool.mjs';

sysbenchWorkload(
  new URL('./workload.json', import.meta.url),
  'cpu',
  (p) => [`--cpu-max-prime=${p['max-prime']}`],
  (stdout) => ({
    eventsPerSecond: parsed(stdout, /events per second:\s*([\d.]+)/, 'events per second'),
    latencyMs: parsed(stdout, /avg:\s*([\d.]+)/, 'the average latency'),
  }),
);
