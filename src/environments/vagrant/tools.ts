import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { cacheDir } from '../../image/manifest.js';
import { run, which } from '../../util/exec.js';
import { PROJECT_ROOT } from '../../util/paths.js';
import { stopChild } from '../../util/process.js';
import type { EnvironmentInfo } from '../types.js';
import type { VagrantConfig } from './config.js';
import { DEFAULT_VIRTUALBOX_BOX, type LibvirtSettings, type VagrantSettings, vagrantEnv } from './settings.js';
/** Per-run state folders: settings.json and vagrant's own .vagrant folder. */
export function vagrantRunsDir(): string {
  return path.join(cacheDir(), 'vagrant', 'runs');
}

/**
 * The environment of vagrant calls that belong to no run (version, plugins, boxes):
 * a state folder of their own, so vagrant never writes .vagrant/ into the checkout.
 */
export function vagrantToolEnv(): NodeJS.ProcessEnv {
  return vagrantEnv(process.env, {
    projectRoot: PROJECT_ROOT,
    dotfileDir: path.join(cacheDir(), 'vagrant', 'tool'),
    settingsFile: '',
  });
}

/** The state folder of one run's vagrant calls, and the settings file in it. */
export function runFolderEnv(dir: string): NodeJS.ProcessEnv {
  return vagrantEnv(process.env, {
    projectRoot: PROJECT_ROOT,
    dotfileDir: path.join(dir, '.vagrant'),
    settingsFile: path.join(dir, 'settings.json'),
  });
}

/** What `versus run` and `versus doctor` both need to know of vagrant; null when it is not installed. */
export async function vagrantInventory(
  binary = 'vagrant',
): Promise<{ version: string; plugins: { name: string; version: string }[] } | null> {
  if (!(await which(binary))) return null;
  const env = vagrantToolEnv();
  const version = (await run(binary, ['--version'], { env, timeoutMs: 60_000, allowFail: true })).stdout.trim();
  const plugins = parsePluginList(
    (await run(binary, ['plugin', 'list'], { env, timeoutMs: 60_000, allowFail: true })).stdout,
  );
  return { version, plugins };
}

/** `vagrant plugin list`: "vagrant-libvirt (0.11.2, system)". Pure. */
export function parsePluginList(text: string): { name: string; version: string }[] {
  const out: { name: string; version: string }[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\S+) \(([^,)]+)/.exec(line.trim());
    if (m) out.push({ name: m[1]!, version: m[2]! });
  }
  return out;
}

/** What a vagrant run with the virtualbox provider needs: VirtualBox itself, the box. */
export interface Prepared {
  box: string;
  libvirt: Omit<LibvirtSettings, 'storagePool'> | null;
  ssh: VagrantSettings['ssh'];
  /** our box carries the workloads of image build time; copy newer ones in over SSH */
  syncNeeded: boolean;
  info: EnvironmentInfo;
}

export async function virtualboxPrepared(config: VagrantConfig, info: EnvironmentInfo): Promise<Prepared> {
  if (!(await which('VBoxManage'))) {
    throw new Error(
      'vagrant/virtualbox: VirtualBox is not installed (VBoxManage not found); install it from virtualbox.org, or use --vagrant-provider libvirt',
    );
  }
  const vbox = (await run('VBoxManage', ['--version'], { allowFail: true, timeoutMs: 30_000 })).stdout.trim();
  const box = config.box ?? DEFAULT_VIRTUALBOX_BOX;
  return {
    box,
    libvirt: null,
    ssh: null,
    syncNeeded: false,
    info: { ...info, virtualbox: vbox, box, hostView: 'process: VBoxHeadless of each VM' },
  };
}

/** libvirtd's own version line(s), for experiment.json. */
export async function libvirtDaemonVersion(uri: string): Promise<string> {
  return (await run('virsh', ['-c', uri, 'version', '--daemon'], { allowFail: true })).stdout
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => l.trim())
    .join('; ');
}

/** Interrupts vagrant (it then cleans up what it was creating), killing its process group if it lingers. */
export function stopVagrant(child: ChildProcess): Promise<void> {
  return stopChild(
    child,
    [
      ['SIGINT', 20_000],
      ['SIGKILL', 0],
    ],
    (signal) => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // already gone
      }
    },
  );
}
