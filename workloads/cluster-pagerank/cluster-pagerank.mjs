#!/usr/bin/env node
// PageRank as one Dask distributed job across the run's workers (job.py, data by gen.mjs).
import { runDaskRole } from '../lib/dask.mjs';

runDaskRole('cluster-pagerank', new URL('./workload.json', import.meta.url), new URL('./job.py', import.meta.url));
