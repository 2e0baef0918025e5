// Command-line parsing driven by workload.json, so the harness and the workload
// agree on every parameter, its default and its limits.
import { WorkloadError } from './errors.mjs';

/**
 * @param {object} manifest workload.json
 * @param {string[]} argv
 * @returns {Record<string, unknown>} every parameter, defaults filled in
 */
export function parseArgs(manifest, argv) {
  const specs = manifest.parameters;
  const given = {};
  let preset = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new WorkloadError(`unexpected argument ${JSON.stringify(arg)}`);
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    let value = eq >= 0 ? arg.slice(eq + 1) : undefined;
    if (name === 'preset') {
      value ??= argv[++i];
      if (value === undefined || !Object.hasOwn(manifest.presets, value)) {
        throw new WorkloadError(`--preset must be one of ${Object.keys(manifest.presets).join(', ')}`);
      }
      preset = value;
      continue;
    }
    const spec = specs[name];
    if (!spec) throw new WorkloadError(`unknown flag --${name}`);
    if (spec.type === 'boolean') {
      given[name] = value === undefined ? true : parseBoolean(name, value);
      continue;
    }
    value ??= argv[++i];
    if (value === undefined) throw new WorkloadError(`--${name} needs a value`);
    given[name] = value;
  }

  const raw = { ...(preset ? manifest.presets[preset] : {}), ...given };
  const out = {};
  for (const [name, spec] of Object.entries(specs)) {
    out[name] = Object.hasOwn(raw, name) ? coerce(name, spec, raw[name]) : spec.default;
  }
  return out;
}

function parseBoolean(name, value) {
  if (value === 'true' || value === true) return true;
  if (value === 'false' || value === false) return false;
  throw new WorkloadError(`--${name} must be true or false, not ${JSON.stringify(value)}`);
}

/** Checks one value against its spec; accepts strings (argv) or JSON values (presets). */
export function coerce(name, spec, value) {
  switch (spec.type) {
    case 'boolean':
      return parseBoolean(name, value);
    case 'enum':
      if (!spec.values.includes(value)) {
        throw new WorkloadError(`--${name} must be one of ${spec.values.join(', ')}, not ${JSON.stringify(value)}`);
      }
      return value;
    case 'path':
      if (typeof value !== 'string' || value.length === 0) throw new WorkloadError(`--${name} needs a path`);
      return value;
    case 'integer':
    case 'number': {
      const text = String(value).trim();
      const n = text === '' ? Number.NaN : Number(text);
      if (!Number.isFinite(n) || (spec.type === 'integer' && !Number.isInteger(n))) {
        throw new WorkloadError(
          `--${name} must be ${spec.type === 'integer' ? 'an integer' : 'a number'}, not ${JSON.stringify(value)}`,
        );
      }
      const tooHigh = spec.exclusiveMax ? n >= spec.max : n > spec.max;
      if (n < spec.min || tooHigh) {
        throw new WorkloadError(
          `--${name} must be between ${spec.min} and ${spec.max}${spec.exclusiveMax ? ' (exclusive)' : ''}, not ${n}`,
        );
      }
      return n;
    }
    default:
      throw new Error(`workload.json: parameter ${name} has unknown type ${spec.type}`);
  }
}

/** Flags the harness gives the workers of a workload with roles (src/orchestrator/roles.ts). */
const ROLE_FLAGS = new Set(['role', 'rank', 'clients', 'port', 'peers', 'listen']);

/**
 * Splits the harness's role flags off argv: `{ role, rank, clients, port, peers, listen }` (peers:
 * the servers' "address:port" endpoints), and the workload's own flags for parseArgs.
 */
export function parseRoleArgs(argv) {
  const role = { role: null, rank: 0, clients: 0, port: null, peers: [], listen: '0.0.0.0' };
  const rest = [];
  for (const arg of argv) {
    const m = /^--([a-z]+)=(.*)$/.exec(arg);
    if (!m || !ROLE_FLAGS.has(m[1])) {
      rest.push(arg);
      continue;
    }
    const [, name, value] = m;
    if (name === 'role' || name === 'listen') role[name] = value;
    else if (name === 'peers') role.peers = value.split(',').filter(Boolean).map(endpoint);
    else {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0) throw new WorkloadError(`--${name} must be a whole number, not ${value}`);
      role[name] = n;
    }
  }
  if (role.role === null) throw new WorkloadError('--role is missing: the harness starts this workload with a role');
  return { role, argv: rest };
}

function endpoint(text) {
  const i = text.lastIndexOf(':');
  const port = Number(text.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port < 1 || port > 65535)
    throw new WorkloadError(`--peers: ${JSON.stringify(text)} is not address:port`);
  return { host: text.slice(0, i), port };
}
