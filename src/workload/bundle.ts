// The folder every worker sees as its workloads: the project's workloads/ (barrier,
// shared lib, every workload), plus workloads an experiment takes from other
// folders (workloadDirs), staged together once per content hash.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hashTree, sha256 } from '../util/hash.js';
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
/** The project's workloads/ as they are (hashed once per process). */
export function projectBundle(): WorkloadBundle {
  project ??= { dir: WORKLOADS_DIR, hash: hashTree(WORKLOADS_DIR) };
  return project;
}

/**
 * The bundle for workloads in `folders` (absolute workload folders). When all of
 * them are the project's own, that is workloads/ itself; otherwise a copy of
 * workloads/ with the others added, kept under the cache by hash.
 */
export function workloadBundle(folders: readonly string[]): WorkloadBundle {
  const projectHash = projectBundle().hash;
  const foreign = [...new Set(folders.map((f) => path.resolve(f)))].filter(
    (f) => path.dirname(f) !== path.resolve(WORKLOADS_DIR),
  );
  if (foreign.length === 0) return projectBundle();
  const hash = sha256(JSON.stringify([projectHash, ...foreign.sort().map((f) => [path.basename(f), hashTree(f)])]));
  const dir = path.join(bundlesDir(), hash.slice(0, 16));
  if (fs.existsSync(path.join(dir, '.complete'))) return { dir, hash };
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(tmp), { recursive: true });
  fs.cpSync(WORKLOADS_DIR, tmp, { recursive: true });
  for (const f of foreign) fs.cpSync(f, path.join(tmp, path.basename(f)), { recursive: true });
  fs.writeFileSync(path.join(tmp, '.complete'), `${hash}\n`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(tmp, dir);
  return { dir, hash };
}
