import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { judgeFitness, parseCpuList } from '../../src/hosts/fitness.js';
import { FITNESS_FILES, readHostFacts } from '../../src/hosts/fitnessFacts.js';
import { resetHost, tuneHost } from '../../src/hosts/tune.js';
import { workerCpusOf as workerCpus } from '../../src/orchestrator/plan.js';

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) fs.rmSync(r, { recursive: true, force: true });
});

/** A fake root with the given files (relative path -> content). */
function fakeRoot(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'versus-fitness-'));
  roots.push(root);
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  }
  return root;
}

const STAT = 'cpu  100 0 50 1000 0 0 0 5 0 0\ncpu0 50 0 25 500 0 0 0 2 0 0\ncpu1 50 0 25 500 0 0 0 3 0 0\n';
const needs = { workerCpus: [0, 1], workerMemoryBytes: 2 * 2 ** 30 };

describe('host fitness', () => {
  it('reads a noisy bare-metal host and says what to change', async () => {
    const root = fakeRoot({
      [FITNESS_FILES.stat]: STAT,
      [FITNESS_FILES.governor(0)]: 'powersave\n',
      [FITNESS_FILES.governor(1)]: 'powersave\n',
      [FITNESS_FILES.noTurbo]: '0\n',
      [FITNESS_FILES.smtActive]: '1\n',
      [FITNESS_FILES.siblings(0)]: '0-1\n',
      [FITNESS_FILES.siblings(1)]: '0-1\n',
      [FITNESS_FILES.thp]: '[always] madvise never\n',
      [FITNESS_FILES.aslr]: '0\n',
      [FITNESS_FILES.clocksource]: 'hpet\n',
      [FITNESS_FILES.cpuinfo]: 'processor : 0\nflags : fpu vme sse\n',
      [FITNESS_FILES.meminfo]: 'MemTotal: 4000000 kB\nMemAvailable: 2000000 kB\n',
    });
    const checks = judgeFitness(await readHostFacts(root, 5), needs);
    const verdict = Object.fromEntries(checks.map((c) => [c.name, c.verdict]));
    expect(verdict).toEqual({
      'cpu governor': 'warn',
      'turbo/boost': 'warn',
      'SMT siblings': 'warn',
      'transparent huge pages': 'warn',
      ASLR: 'warn',
      clocksource: 'warn',
      'VM guest': 'warn', // no /dev/kvm in the fake tree
      'other load': 'ok',
      'memory available': 'warn',
    });
    for (const c of checks.filter((x) => x.verdict === 'warn')) expect(c.advice).not.toBe('');
  });

  it('says "unknown" for every file a host does not have, never crashes', async () => {
    const checks = judgeFitness(await readHostFacts(fakeRoot({}), 5), needs);
    expect(checks.every((c) => c.verdict === 'unknown')).toBe(true);
  });

  it('reads this machine', async () => {
    const checks = judgeFitness(await readHostFacts('/', 200), {
      workerCpus: workerCpus({ instances: [1], worker: { cpus: 1 } }, 2),
      workerMemoryBytes: 2 ** 26,
    });
    expect(checks).toHaveLength(9);
    // /proc is always there on Linux: these are read, whatever they say
    for (const name of ['ASLR', 'other load', 'memory available', 'VM guest'])
      expect(checks.find((c) => c.name === name)!.verdict).not.toBe('unknown');
  });

  it('lists CPUs and the workers’ pinned CPUs', () => {
    expect(parseCpuList('0-2,5')).toEqual([0, 1, 2, 5]);
    expect(workerCpus({ instances: [1, 2], worker: { cpus: 1, pinCpus: true } }, 8)).toEqual([0, 1]);
    expect(workerCpus({ instances: [4], worker: { cpus: 1 } }, 3)).toEqual([0, 1, 2]);
  });
});

describe('doctor --tune and --tune-reset', () => {
  it('tune sets governor, boost and THP; reset leaves every value as it was', () => {
    const files = {
      [FITNESS_FILES.stat]: STAT,
      [FITNESS_FILES.governor(0)]: 'schedutil\n',
      [FITNESS_FILES.governor(1)]: 'performance\n',
      [FITNESS_FILES.noTurbo]: '0\n',
      [FITNESS_FILES.thp]: 'always\n',
      [FITNESS_FILES.aslr]: '2\n',
    };
    const root = fakeRoot(files);
    const state = path.join(root, 'state', 'tune.json');
    const read = (rel: string) => fs.readFileSync(path.join(root, rel), 'utf8').trim();
    const tuned = tuneHost(root, state);
    expect(tuned.changed.map((c) => c.file).sort()).toEqual(
      [FITNESS_FILES.governor(0), FITNESS_FILES.noTurbo, FITNESS_FILES.thp].sort(),
    );
    expect(read(FITNESS_FILES.governor(0))).toBe('performance');
    expect(read(FITNESS_FILES.noTurbo)).toBe('1');
    // a second tune keeps the host's own values to put back
    expect(tuneHost(root, state).changed).toEqual([]);
    resetHost(root, state);
    for (const [rel, text] of Object.entries(files)) expect(read(rel)).toBe(text.trim());
    expect(fs.existsSync(state)).toBe(false);
  });
});
