// ch-run as the process host's launcher: the worker image's tree as a Charliecloud image
// (mounted read-only by ch-run itself), this experiment's workloads bound over its copy.

import { GUEST_WORKLOADS_DIR } from '../../util/paths.js';
import type { TreeLauncher } from '../processHost.js';

/** argv prefix: ch-run in user namespaces, no daemon, the host's network namespace (the worker's, on a segment). Pure. */
export function chRunArgv(binary: string, rootfs: string, workloadsDir: string): string[] {
  // --no-passwd: the tree's own /etc/passwd, not the host's user bound over it
  return [binary, '--no-passwd', '-b', `${workloadsDir}:${GUEST_WORKLOADS_DIR}`, rootfs, '--'];
}

export function chRunLauncher(binary: string): TreeLauncher {
  return {
    name: 'charliecloud',
    runtime: `${binary} (Charliecloud: user namespaces, image tree read-only)`,
    // ch-run mounts the host's /proc itself; a worker on a network reads its namespace's through /proc/self/net
    argv: (rootfs, workloadsDir) => chRunArgv(binary, rootfs, workloadsDir),
    // ch-run refuses to start without it
    env: { USER: 'root' },
  };
}
