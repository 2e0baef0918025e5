import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root: the folder holding package.json and workloads/, from src/ or dist/. */
export const PROJECT_ROOT = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (fs.existsSync(path.join(dir, 'workloads')) && fs.existsSync(path.join(dir, 'package.json'))) return dir;
    dir = path.dirname(dir);
  }
  throw new Error('cannot find the versus project root (package.json with workloads/)');
})();

export const WORKLOADS_DIR = path.join(PROJECT_ROOT, 'workloads');

/** Where every worker sees the workloads folder: the image bakes it there. */
export const GUEST_WORKLOADS_DIR = '/opt/versus/workloads';
