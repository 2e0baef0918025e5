import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { flagsToOverrides, RUN_FLAG_PATHS } from '../../src/commands/run.js';
import { parseThreshold } from '../../src/compare/compare.js';
import { experimentJsonSchema, loadExperiment, validateExperiment } from '../../src/compose/config.js';
import { preflight } from '../../src/compose/preflight.js';
import { mergeConfig } from '../../src/config/load.js';
import { UsageError } from '../../src/util/errors.js';

describe('a config file that is not a mapping', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'versus-config-'));
  const file = (name: string, text: string) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, text);
    return f;
  };
  it('is refused by name, never run as the default experiment', () => {
    expect(() => loadExperiment(file('s.yaml', 'docker\n'), {})).toThrow(/s\.yaml: expected a mapping .* got a string/);
    expect(() => loadExperiment(file('l.yaml', '- docker\n- qemu\n'), {})).toThrow(/l\.yaml: .* got a list/);
    expect(() => loadExperiment(file('n.json', '42'), {})).toThrow(/n\.json: .* got a number/);
    expect(() => loadExperiment(file('null.yaml', 'null\n'), {})).toThrow(/null\.yaml: the config file is empty/);
    expect(() => loadExperiment(file('e.yaml', ''), {})).toThrow(/e\.yaml: the config file is empty/);
    expect(() => loadExperiment(file('c.yaml', '# only a comment\n'), {})).toThrow(/c\.yaml: the config file is empty/);
    const big = Buffer.alloc(5 * 2 ** 20 * 0.75, 7).toString('base64');
    expect(() => loadExperiment(file('b.yaml', big), {})).toThrow(/b\.yaml: expected a mapping .* got a string/);
    expect(loadExperiment(file('ok.yaml', '{}\n'), {}).repetitions).toBe(3);
  });
});

describe('percentage flags', () => {
  it('read a bare number as percent, as --target-ci does, and refuse over 100%', () => {
    expect(parseThreshold('5')).toBeCloseTo(0.05);
    expect(parseThreshold('5%')).toBeCloseTo(0.05);
    expect(parseThreshold(' 12.5 % ')).toBeCloseTo(0.125);
    expect(() => parseThreshold('500')).toThrow('--threshold: 500 is over 100%');
    expect(() => parseThreshold('0.05x')).toThrow(/--threshold: expected a percentage/);
  });
});

describe('experiment config', () => {
  it('fills every default from an empty config', () => {
    const e = validateExperiment({}, 'x');
    expect(e.environments).toEqual(['docker', 'qemu', 'native']);
    expect(e.instances).toEqual([1, 2]);
    expect(e.workloads).toEqual([{ id: 'pagerank', name: 'pagerank', preset: 'default', params: {} }]);
    expect(e.suite).toBe('default');
    expect(e.worker.cpus).toBe(1);
    expect(e.sampling.intervalMs).toBe(100);
  });

  it('names the field path of a bad value', () => {
    expect(() => validateExperiment({ worker: { cpus: -1 } }, 'exp.json')).toThrow(/^exp\.json: worker\.cpus: /);
    expect(() => validateExperiment({ instances: [1, 'two'] }, 'exp.json')).toThrow(/exp\.json: instances\[1\]/);
    expect(() => validateExperiment({ environments: ['docker', 'vmware'] }, 'f')).toThrow(/environments\[1\]/);
    expect(() => validateExperiment({ sampling: { intervalMs: 10 } }, 'f')).toThrow(/sampling\.intervalMs/);
    expect(() => validateExperiment({ bogus: 1 }, 'f')).toThrow(/bogus/);
    expect(() => validateExperiment({ name: '<script>' }, 'f')).toThrow(/name/);
  });

  it('lets flags override the file, replacing arrays', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'versus-cfg-'));
    const file = path.join(dir, 'exp.yaml');
    fs.writeFileSync(file, 'name: fromfile\ninstances: [1, 2, 4]\nworker:\n  memoryMiB: 2048\n');
    const e = loadExperiment(file, flagsToOverrides({ instances: [3], cpus: 2 }));
    expect(e.name).toBe('fromfile');
    expect(e.instances).toEqual([3]);
    expect(e.worker).toMatchObject({ cpus: 2, memoryMiB: 2048 });
  });

  it('reports unreadable and malformed files as usage errors', () => {
    expect(() => loadExperiment('/nonexistent/x.json', {})).toThrow(UsageError);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'versus-cfg-'));
    const f = path.join(dir, 'bad.json');
    fs.writeFileSync(f, '{ nope');
    expect(() => loadExperiment(f, {})).toThrow(/bad\.json: not valid JSON/);
  });

  it('merges deeply', () => {
    expect(mergeConfig({ a: { b: 1, c: 2 }, d: [1] }, { a: { c: 3 }, d: [2] })).toEqual({ a: { b: 1, c: 3 }, d: [2] });
  });

  it('generates a JSON Schema that matches the committed one', () => {
    const schema = experimentJsonSchema() as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties)).toContain('environments');
    const committed = JSON.parse(fs.readFileSync('schema/versus.config.schema.json', 'utf8'));
    expect(committed).toEqual(schema);
  });
});

describe('bad input found before anything starts', () => {
  const paths = RUN_FLAG_PATHS;
  it('names the flag that set a bad field, not the file it was merged into', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'versus-flags-'));
    const file = path.join(dir, 'c.yaml');
    fs.writeFileSync(file, 'name: x\n');
    expect(() => loadExperiment(file, flagsToOverrides({ interval: 1 }), paths)).toThrow(
      /^--interval 1: .*>=50 \(sampling\.intervalMs\)$/,
    );
    expect(() => loadExperiment(file, flagsToOverrides({ cpus: 0 }), paths)).toThrow(/^--cpus 0: /);
    // a field the file set is still the file's
    fs.writeFileSync(file, 'repetitions: 0\n');
    expect(() => loadExperiment(file, flagsToOverrides({ cpus: 1 }), paths)).toThrow(/^.*c\.yaml: repetitions: /);
  });

  it('checks the output folder, workload folders, SSH keys and CPUs per worker', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'versus-preflight-'));
    const aFile = path.join(dir, 'file');
    fs.writeFileSync(aFile, '');
    const warnings: string[] = [];
    const check = (over: Record<string, unknown>) =>
      preflight(validateExperiment(over, 'x.yaml'), (m) => warnings.push(m));
    expect(() => check({ output: { dir: aFile } })).toThrow(`output.dir ${aFile}: is a file`);
    expect(() => check({ workloadDirs: ['/nope'] })).toThrow('workloadDirs[0] /nope: no such folder');
    const host = { name: 'h1', ssh: { host: '10.0.0.1', key: '/nope/key' }, environments: ['docker'] };
    expect(() => check({ hosts: [host] })).toThrow('hosts[0].ssh.key /nope/key (host h1): no such file');
    const many = os.availableParallelism() + 1;
    expect(() => check({ worker: { cpus: many } })).toThrow(/the engine refuses such a container \(docker\)/);
    check({ environments: ['qemu', 'native'], worker: { cpus: many } });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/VMs get \d+ vCPUs/);
  });
});
