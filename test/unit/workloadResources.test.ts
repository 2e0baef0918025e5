import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const resources = path.resolve('workloads/lib/resources.mjs');
const childReport = () =>
  JSON.parse(
    execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { peakRssBytes } from '${resources}';
         process.stdout.write(JSON.stringify({ own: peakRssBytes(), rusage: process.resourceUsage().maxRSS * 1024 }));`,
      ],
      { encoding: 'utf8' },
    ),
  ) as { own: number; rusage: number };

describe('a workload’s peak RSS', () => {
  it('is its own, not the peak of the large process that started it', () => {
    const ballast = Buffer.alloc(400 * 2 ** 20, 1); // the parent's resident set grows past 400 MiB
    const { own, rusage } = childReport();
    expect(ballast[ballast.length - 1]).toBe(1);
    expect(rusage).toBeGreaterThan(400 * 2 ** 20); // getrusage inherits the parent's peak through exec
    expect(own).toBeGreaterThan(10 * 2 ** 20);
    expect(own).toBeLessThan(200 * 2 ** 20);
  });
});
