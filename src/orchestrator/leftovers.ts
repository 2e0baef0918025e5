import fs from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import { LABEL_OWNER } from '../environments/docker.js';
import { vmsDir } from '../environments/qemu.js';
import { vagrantRunsDir } from '../environments/vagrant.js';

/** What earlier runs (a killed harness) left behind: labelled containers and VM folders. */
export async function findLeftovers(docker: Docker | null): Promise<string[]> {
  const found: string[] = [];
  if (docker) {
    try {
      const list = await docker.listContainers({ all: true, filters: { label: [`${LABEL_OWNER}=versus`] } });
      for (const c of list) found.push(`container ${c.Names[0] ?? c.Id}`);
    } catch {
      // no engine: nothing of ours can be running there
    }
  }
  if (fs.existsSync(vagrantRunsDir()))
    for (const d of fs.readdirSync(vagrantRunsDir())) found.push(`vagrant run ${path.join(vagrantRunsDir(), d)}`);
  if (fs.existsSync(vmsDir()))
    for (const d of fs.readdirSync(vmsDir())) found.push(`VM folder ${path.join(vmsDir(), d)}`);
  return found;
}
