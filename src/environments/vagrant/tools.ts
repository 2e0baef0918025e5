import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cacheDir } from '../../image/manifest.js';
import { run, tail, which } from '../../util/exec.js';
import { PROJECT_ROOT } from '../../util/paths.js';
import { stopChild } from '../../util/process.js';
import type { EnvironmentInfo } from '../types.js';
import type { VagrantConfig } from './config.js';
import { vagrantProcessesFor } from './hostProcess.js';
import type { Libvirt } from './libvirt.js';
import {
  DEFAULT_VIRTUALBOX_BOX,
  destroyArgs,
  type LibvirtSettings,
  type VagrantSettings,
  vagrantEnv,
} from './settings.js';
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

/**
 * `vagrant destroy -f` for one run folder, then whatever it missed removed
 * directly (domains of the run's prefix); the folder goes last. Returns what
 * could not be removed.
 */
export async function destroyRunFolder(
  config: Pick<VagrantConfig, 'binary' | 'destroyTimeoutS'>,
  libvirt: Libvirt,
  dir: string,
): Promise<string[]> {
  const problems: string[] = [];
  const settingsFile = path.join(dir, 'settings.json');
  if (!fs.existsSync(settingsFile)) {
    fs.rmSync(dir, { recursive: true, force: true });
    return problems;
  }
  const settings = JSON.parse(fs.readFileSync(settingsFile, 'utf8')) as VagrantSettings;
  // a vagrant still working on this folder (its harness was killed) holds the machine lock
  for (const pid of vagrantProcessesFor(path.join(dir, '.vagrant'))) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  const destroyed = await run(config.binary, destroyArgs(), {
    env: runFolderEnv(dir),
    timeoutMs: config.destroyTimeoutS * 1000,
    allowFail: true,
  }).catch((err: Error) => ({ code: null, stdout: '', stderr: err.message }));
  if (settings.provider === 'libvirt' && (await libvirt.reachable())) {
    for (const d of await libvirt.domains(settings.prefix)) {
      await libvirt.removeDomain(d).catch((err: Error) => problems.push(err.message));
    }
  } else if (settings.provider === 'virtualbox' && destroyed.code !== 0) {
    problems.push(
      `vagrant destroy failed (exit ${destroyed.code}): ${tail(destroyed.stderr || destroyed.stdout, 400)}`,
    );
  }
  fs.rmSync(dir, { recursive: true, force: true });
  return problems;
}
