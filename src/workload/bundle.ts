// The folder every worker sees as its workloads: a snapshot of the project's
// workloads/ (barrier, shared lib, every workload) plus workloads an experiment takes
// from other folders (workloadDirs), staged together once per content hash.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hashTree } from '../util/hash.js';
import { WORKLOADS_DIR } from '../util/paths.js';

/** What backends deliver to their workers: bind-mounted, copied over SSH, or chrooted. */
export interface WorkloadBundle {
  dir: string;
  /** content hash: equal to the image's workloadsHash when the image already holds it */
  hash: string;
}

export function bundlesDir(): string {
  return path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'versus', 'bundles');
}

let project: WorkloadBundle | null = null;
/** The project's workloads/ as they are (hashed once per process): the image's own copy. */
export function projectBundle(): WorkloadBundle {
  project ??= { dir: WORKLOADS_DIR, hash: hashTree(WORKLOADS_DIR) };
  return project;
}

/**
 * A snapshot of the workloads an experiment runs, taken at its start: the project's
 * workloads/ plus the folders in `folders` from elsewhere, copied into the cache and
 * named by the hash of what was copied. Every worker of the experiment sees this
 * snapshot, so editing a workload while an experiment runs cannot mix two versions
 * (the checksums would disagree). Equal content, equal hash: the image's
 * workloadsHash matches when nothing changed since it was built.
 */
export function workloadBundle(folders: readonly string[], keep = 20): WorkloadBundle {
  const foreign = [...new Set(folders.map((f) => path.resolve(f)))].filter(
    (f) => path.dirname(f) !== path.resolve(WORKLOADS_DIR),
  );
  fs.mkdirSync(bundlesDir(), { recursive: true });
  const tmp = fs.mkdtempSync(path.join(bundlesDir(), '.staging-'));
  try {
    fs.cpSync(WORKLOADS_DIR, tmp, { recursive: true });
    for (const f of foreign) fs.cpSync(f, path.join(tmp, path.basename(f)), { recursive: true });
    const hash = hashTree(tmp);
    const dir = path.join(bundlesDir(), hash.slice(0, 16));
    if (!fs.existsSync(path.join(dir, '.complete'))) {
      fs.writeFileSync(path.join(tmp, '.complete'), `${hash}\n`);
      fs.rmSync(dir, { recursive: true, force: true });
      fs.renameSync(tmp, dir);
    } else fs.utimesSync(dir, new Date(), new Date());
    pruneBundles(keep);
    return { dir, hash };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Keeps the `keep` most recently used snapshots. */
function pruneBundles(keep: number): void {
  const dirs = fs
    .readdirSync(bundlesDir(), { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => ({ dir: path.join(bundlesDir(), e.name), at: fs.statSync(path.join(bundlesDir(), e.name)).mtimeMs }))
    .sort((a, b) => b.at - a.at);
  for (const old of dirs.slice(keep)) fs.rmSync(old.dir, { recursive: true, force: true });
}

const tars = new Map<string, Promise<Buffer>>();

/** A workloads bundle as a tar archive of `workloads/` (small: plain JavaScript and JSON), made once per bundle. */
export function workloadsTar(bundle: WorkloadBundle): Promise<Buffer> {
  const known = tars.get(bundle.hash);
  if (known) return known;
  const made = new Promise<Buffer>((resolve, reject) => {
    const tar = spawn(
      'tar',
      ['-C', bundle.dir, '--transform', 's,^\\.,workloads,', '--exclude', '.complete', '-cf', '-', '.'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const chunks: Buffer[] = [];
    tar.stdout.on('data', (c: Buffer) => chunks.push(c));
    tar.on('error', reject);
    tar.on('close', (code) =>
      code === 0 ? resolve(Buffer.concat(chunks)) : reject(new Error(`tar of ${bundle.dir} exited with ${code}`)),
    );
  });
  tars.set(bundle.hash, made);
  return made;
}
