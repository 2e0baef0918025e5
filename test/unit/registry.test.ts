import { describe, expect, it } from 'vitest';
import { ExperimentSchema } from '../../src/compose/config.js';
import { DEFAULT_ENVIRONMENTS, ENVIRONMENT_NAMES, ENVIRONMENTS, viewsOf } from '../../src/compose/registry.js';
import { cellStats, overheadRatios } from '../../src/report/aggregate.js';
import type { RunRecord } from '../../src/results/types.js';
import { envRank, overheadPairs, type Views, viewOf, workerSourceOf } from '../../src/results/views.js';

describe('the environment registry', () => {
  it('lists every backend once, each with a view, a config section and its leftovers', () => {
    expect(new Set(ENVIRONMENT_NAMES).size).toBe(ENVIRONMENTS.length);
    for (const d of ENVIRONMENTS) {
      expect(d.view.label.length, d.name).toBeGreaterThan(0);
      expect(['container', 'sandbox', 'microvm', 'vm', 'baseline']).toContain(d.view.kind);
      expect(typeof d.leftovers).toBe('function');
      expect(typeof d.clean).toBe('function');
    }
    // the config file has one section per backend, from its descriptor, with defaults
    const e = ExperimentSchema.parse({}) as Record<string, unknown>;
    for (const name of ENVIRONMENT_NAMES) expect(e[name], name).toBeTypeOf('object');
    expect(e.environments).toEqual(DEFAULT_ENVIRONMENTS);
  });

  it('refuses an environment it does not know, naming the ones it does', () => {
    const r = ExperimentSchema.safeParse({ environments: ['docker', 'openvz'] });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain(ENVIRONMENT_NAMES[0]);
  });
});

describe('overhead pairs from the kinds', () => {
  const views: Views = {
    runc: { label: 'runc', short: 'container', kind: 'container', color: '#111', workerSource: 'cgroup' },
    sandbox: { label: 'gVisor', short: 'sandbox', kind: 'sandbox', color: '#222', workerSource: 'docker-stats' },
    vm: { label: 'VMs', short: 'VM', kind: 'vm', color: '#333', workerSource: 'guest' },
    vm2: { label: 'VMs 2', short: 'VM2', kind: 'vm', color: '#444', workerSource: 'guest' },
    bare: { label: 'bare', short: 'native', kind: 'baseline', color: '#555', workerSource: 'process' },
  };

  it('sets every vm and sandbox against every container, VMs against each other, all against native', () => {
    const pairs = overheadPairs(Object.keys(views), views).map(([a, b]) => `${a}/${b}`);
    expect(pairs.sort()).toEqual(
      ['sandbox/runc', 'vm/runc', 'vm2/runc', 'vm2/vm', 'runc/bare', 'sandbox/bare', 'vm/bare', 'vm2/bare'].sort(),
    );
  });

  it('keeps the labels the results always had for the built-in backends', () => {
    const labels = overheadPairs(['docker', 'qemu', 'vagrant', 'native']).map(([, , l]) => l);
    expect(labels.sort()).toEqual(
      [
        'VM/container',
        'VM/native',
        'container/native',
        'vagrant VM/container',
        'vagrant VM/native',
        'vagrant VM/qemu VM',
      ].sort(),
    );
  });
});

describe('results show environments as they recorded them', () => {
  const run = (env: string, instances: number, makespanS: number, i: number): RunRecord => ({
    run: `${i}-${env}`,
    index: i,
    env,
    instances,
    repetition: 1,
    warmup: false,
    status: 'ok',
    reason: null,
    workKey: 'k',
    checksum: 'c',
    barrierAt: null,
    provisionS: 1,
    makespanS,
    workers: [],
    phases: [],
  });
  const recorded: Views = {
    sandboxed: {
      label: 'Sandboxes (new)',
      short: 'sandbox',
      kind: 'sandbox',
      color: '#abcdef',
      workerSource: 'docker-stats',
    },
  };

  it('takes label, colour, kind and worker source from the results, for a backend this build does not know', () => {
    const runs = [1, 2, 3].flatMap((i) => [run('docker', 1, 10, i), run('sandboxed', 1, 12, i + 10)]);
    const cells = cellStats(runs, (r) => r.makespanS, recorded);
    expect(cells.find((c) => c.env === 'sandboxed')).toMatchObject({
      envLabel: 'Sandboxes (new)',
      envColor: '#abcdef',
    });
    expect(workerSourceOf({ env: 'sandboxed' }, recorded)).toBe('docker-stats');
    const ratio = overheadRatios(runs, recorded).find((r) => r.pair === 'sandbox/container')!;
    expect(ratio.ratio).toBeCloseTo(1.2, 9);
  });

  it('renders an unknown backend without recorded views with a plain fallback, after the known ones', () => {
    expect(viewOf('mystery').label).toBe('mystery');
    expect(envRank('mystery')).toBeGreaterThan(envRank('native'));
    expect(viewsOf(['docker', 'mystery'])).toEqual({ docker: viewOf('docker') });
  });
});

describe('an OCI runtime of the engine (gVisor)', () => {
  it('records the runtime and its platform, and says plainly when the engine lacks it', async () => {
    const { runtimeInfo } = await import('../../src/environments/docker/backend.js');
    const info = {
      Runtimes: {
        runc: { path: 'runc' },
        runsc: { path: '/usr/bin/runsc', runtimeArgs: ['--platform=ptrace', '--network=none'] },
      },
    };
    expect(runtimeInfo(info, 'runsc', 'gvisor')).toEqual({
      runtime: 'runsc',
      runtimePath: '/usr/bin/runsc',
      runtimeArgs: ['--platform=ptrace', '--network=none'],
      platform: 'ptrace',
    });
    expect(() => runtimeInfo({ Runtimes: { runc: {} } }, 'runsc', 'gvisor')).toThrow(
      /gvisor: the Docker Engine has no runtime "runsc" \(it has runc\); scripts\/with-docker.sh registers it/,
    );
  });
});

describe('native worker cgroups', () => {
  it('enter every cgroup before exec, so no instruction of the workload runs outside them', async () => {
    const { enterCgroupArgv } = await import('../../src/environments/native/cgroupLimits.js');
    const cg = {
      version: 1 as const,
      dirs: ['/sys/fs/cgroup/cpu/versus-native/r-native-0', '/sys/fs/cgroup/memory/versus-native/r-native-0'],
      limits: { cpus: 1, memoryBytes: 1, cpuset: null, via: 'x' },
    };
    const { cmd, args } = enterCgroupArgv(cg, ['taskset', '-c', '1', 'node', 'a b']);
    expect(cmd).toBe('sh');
    expect(args[1]).toBe('echo $$ > "$1" && echo $$ > "$2" && shift 2 && exec "$@"');
    expect(args.slice(2)).toEqual([
      'versus-native',
      '/sys/fs/cgroup/cpu/versus-native/r-native-0/cgroup.procs',
      '/sys/fs/cgroup/memory/versus-native/r-native-0/cgroup.procs',
      'taskset',
      '-c',
      '1',
      'node',
      'a b',
    ]);
  });
});
