import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { flagsToOverrides } from '../../src/commands/run.js';
import { experimentJsonSchema, loadExperiment, validateExperiment } from '../../src/compose/config.js';
import { mergeConfig } from '../../src/config/load.js';
import { UsageError } from '../../src/util/errors.js';

describe('experiment config', () => {
  it('fills every default from an empty config', () => {
    const e = validateExperiment({}, 'x');
    expect(e.environments).toEqual(['docker', 'qemu', 'native']);
    expect(e.instances).toEqual([1, 2]);
    expect(e.workloads).toEqual([{ id: 'pagerank', name: 'pagerank', preset: 'tiny', params: {} }]);
    expect(e.suite).toBe('default');
    expect(e.worker.cpus).toBe(1);
    expect(e.sampling.intervalMs).toBe(250);
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
