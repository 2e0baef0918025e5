import fs from 'node:fs';
import path from 'node:path';
import { cacheDir } from '../../image/manifest.js';
import { run, which } from '../../util/exec.js';
import { pidAlive } from '../../util/process.js';

/** The storage pool the libvirt provider uses: ours alone, so it can be removed whole. */
export const POOL_NAME = 'versus';
export const POOL_DIR = '/var/lib/libvirt/images/versus';
/** Kernels and initrds live here: the QEMU that libvirt starts runs as libvirt-qemu, which cannot enter /root. */
export const BOOT_DIR = '/var/lib/libvirt/boot';
/** Every domain versus defines starts with this (Vagrantfile prefix). */
export const DOMAIN_PREFIX = 'versus-';

const DAEMONS = [
  { program: 'virtlogd', pidFile: '/run/virtlogd.pid' },
  { program: 'libvirtd', pidFile: '/run/libvirtd.pid' },
] as const;

/** Daemons versus started, with the harness that owns them: a killed harness leaves this behind. */
function daemonsFile(): string {
  return path.join(cacheDir(), 'vagrant', 'daemons.json');
}

interface DaemonsRecord {
  owner: number;
  pids: number[];
}

function isDaemon(pid: number): boolean {
  try {
    const argv0 = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
    return DAEMONS.some((d) => path.basename(argv0) === d.program);
  } catch {
    return false;
  }
}

async function stopPid(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  await waitFor(() => (pidAlive(pid) ? null : true), 15_000);
}

function readPid(file: string): number | null {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 && pidAlive(pid) ? pid : null;
  } catch {
    return null;
  }
}

/** libvirt through virsh: the daemon, our pool, our domains. */
export class Libvirt {
  private readonly started: number[] = [];

  constructor(
    readonly uri: string,
    private readonly log: (m: string) => void = () => {},
  ) {}

  private virsh(args: string[], allowFail = false) {
    return run('virsh', ['-q', '-c', this.uri, ...args], { timeoutMs: 120_000, allowFail });
  }

  async reachable(): Promise<boolean> {
    if (!(await which('virsh'))) return false;
    const r = await run('virsh', ['-c', this.uri, 'uri'], { allowFail: true, timeoutMs: 30_000 });
    return r.code === 0;
  }

  /**
   * Starts virtlogd and libvirtd when the system daemon is not running and we
   * may (root, qemu:///system); remembers what it started so stopStarted()
   * stops exactly that.
   */
  async ensureRunning(): Promise<void> {
    if (await this.reachable()) return;
    if (!(await which('virsh'))) {
      throw new Error(
        'vagrant/libvirt: virsh is missing; install libvirt with scripts/setup.sh (libvirt-daemon-system)',
      );
    }
    if (this.uri !== 'qemu:///system' || process.getuid?.() !== 0) {
      throw new Error(
        `vagrant/libvirt: libvirt does not answer at ${this.uri}; start libvirtd (or set vagrant.libvirtUri)`,
      );
    }
    for (const d of DAEMONS) {
      if (readPid(d.pidFile) !== null) continue;
      if (!(await which(d.program))) {
        throw new Error(`vagrant/libvirt: ${d.program} is missing; install libvirt-daemon-system (scripts/setup.sh)`);
      }
      await run(d.program, ['-d'], { timeoutMs: 30_000 });
      const pid = await waitFor(() => readPid(d.pidFile), 15_000);
      if (pid === null) throw new Error(`vagrant/libvirt: ${d.program} -d started but wrote no ${d.pidFile}`);
      this.started.push(pid);
      fs.mkdirSync(path.dirname(daemonsFile()), { recursive: true });
      fs.writeFileSync(daemonsFile(), `${JSON.stringify({ owner: process.pid, pids: this.started })}\n`);
    }
    const deadline = Date.now() + 60_000;
    while (!(await this.reachable())) {
      if (Date.now() > deadline) throw new Error(`vagrant/libvirt: libvirtd started but ${this.uri} does not answer`);
      await new Promise((r) => setTimeout(r, 500));
    }
    this.log('vagrant: libvirtd was not running: started it for this experiment (stopped at the end)');
  }

  /** Stops the daemons ensureRunning() started, newest first. */
  async stopStarted(): Promise<void> {
    if (this.started.length === 0) return;
    for (const pid of this.started.splice(0).reverse()) if (isDaemon(pid)) await stopPid(pid);
    fs.rmSync(daemonsFile(), { force: true });
  }

  /** Daemons a killed harness started and never stopped (its pid is gone): stops them. */
  static async stopOrphans(): Promise<string[]> {
    let record: DaemonsRecord;
    try {
      record = JSON.parse(fs.readFileSync(daemonsFile(), 'utf8')) as DaemonsRecord;
    } catch {
      return [];
    }
    if (record.owner === process.pid || pidAlive(record.owner)) return [];
    const stopped: string[] = [];
    for (const pid of [...record.pids].reverse()) {
      if (!isDaemon(pid)) continue;
      await stopPid(pid);
      stopped.push(`daemon pid ${pid} started by a killed versus (pid ${record.owner})`);
    }
    fs.rmSync(daemonsFile(), { force: true });
    return stopped;
  }

  /** Our own directory pool, so teardown can remove everything in it. */
  async ensurePool(): Promise<void> {
    const pools = (await this.virsh(['pool-list', '--all', '--name'])).stdout.split('\n').map((s) => s.trim());
    if (!pools.includes(POOL_NAME)) {
      fs.mkdirSync(POOL_DIR, { recursive: true });
      await this.virsh(['pool-define-as', POOL_NAME, 'dir', '--target', POOL_DIR]);
    }
    const info = (await this.virsh(['pool-info', POOL_NAME])).stdout;
    if (!/State:\s+running/.test(info)) await this.virsh(['pool-start', POOL_NAME]);
  }

  async domains(prefix = DOMAIN_PREFIX): Promise<string[]> {
    const r = await this.virsh(['list', '--all', '--name'], true);
    return r.stdout
      .split('\n')
      .map((s) => s.trim())
      .filter((n) => n.startsWith(prefix));
  }

  /** `virsh domstate --reason`: "running (booted)", "paused (internal error)", … ('' when gone). */
  async domainState(name: string): Promise<string> {
    const r = await run('virsh', ['-q', '-c', this.uri, 'domstate', '--reason', name], {
      timeoutMs: 10_000,
      allowFail: true,
    });
    return r.code === 0 ? r.stdout.trim() : '';
  }

  /** Where libvirt writes a domain's QEMU stderr (its command line, KVM errors). */
  domainLogFile(name: string): string {
    return this.uri.endsWith('/session')
      ? path.join(process.env.HOME ?? '/root', '.cache', 'libvirt', 'qemu', 'log', `${name}.log`)
      : path.join('/var/log/libvirt/qemu', `${name}.log`);
  }

  /** Stops and undefines a domain with the volumes it uses (its overlay; never the base box). */
  async removeDomain(name: string): Promise<void> {
    await this.virsh(['destroy', name], true);
    const r = await this.virsh(['undefine', name, '--remove-all-storage'], true);
    if (r.code !== 0 && !/failed to get domain|Domain not found/i.test(r.stderr)) {
      throw new Error(`vagrant/libvirt: could not remove domain ${name}: ${r.stderr.trim()}`);
    }
  }

  /** Removes every volume of our pool (base box images included), then the pool. */
  async removePool(): Promise<string[]> {
    const removed: string[] = [];
    const pools = (await this.virsh(['pool-list', '--all', '--name'], true)).stdout.split('\n').map((s) => s.trim());
    if (!pools.includes(POOL_NAME)) return removed;
    await this.virsh(['pool-start', POOL_NAME], true);
    const vols = (await this.virsh(['vol-list', POOL_NAME], true)).stdout
      .split('\n')
      .map((l) => l.trim().split(/\s+/)[0])
      .filter((v): v is string => !!v);
    for (const v of vols) {
      await this.virsh(['vol-delete', '--pool', POOL_NAME, v], true);
      removed.push(`volume ${v}`);
    }
    await this.virsh(['pool-destroy', POOL_NAME], true);
    await this.virsh(['pool-undefine', POOL_NAME], true);
    fs.rmSync(POOL_DIR, { recursive: true, force: true });
    removed.push(`storage pool ${POOL_NAME}`);
    return removed;
  }

  /** The QEMU process libvirt runs for a domain (system daemon). */
  static qemuPid(domain: string): number | null {
    return readPid(path.join('/run/libvirt/qemu', `${domain}.pid`));
  }
}

/** Whether libvirt holds anything of ours, read from its config files (no daemon needed). */
export function libvirtTracesExist(): boolean {
  const has = (dir: string, test: (f: string) => boolean) => fs.existsSync(dir) && fs.readdirSync(dir).some(test);
  return (
    has('/etc/libvirt/qemu', (f) => f.startsWith(DOMAIN_PREFIX) && f.endsWith('.xml')) ||
    has('/etc/libvirt/storage', (f) => f === `${POOL_NAME}.xml`) ||
    has('/run/libvirt/qemu', (f) => f.startsWith(DOMAIN_PREFIX) && f.endsWith('.pid'))
  );
}

/** Copies kernel and initrd where libvirt's QEMU can read them; returns their paths. */
export function publishBootFiles(
  imageHash: string,
  kernel: string,
  initrd: string,
): { dir: string; kernel: string; initrd: string } {
  const dir = path.join(BOOT_DIR, `versus-${imageHash.slice(0, 16)}`);
  const target = { dir, kernel: path.join(dir, 'vmlinuz'), initrd: path.join(dir, 'initrd.img') };
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  fs.chmodSync(dir, 0o755);
  for (const [from, to] of [
    [kernel, target.kernel],
    [initrd, target.initrd],
  ] as const) {
    if (!fs.existsSync(to) || fs.statSync(to).size !== fs.statSync(from).size) {
      fs.copyFileSync(from, `${to}.tmp`);
      fs.renameSync(`${to}.tmp`, to);
    }
    fs.chmodSync(to, 0o644);
  }
  return target;
}

/** Removes every published kernel/initrd folder. */
export function removeBootFiles(): string[] {
  if (!fs.existsSync(BOOT_DIR)) return [];
  const removed: string[] = [];
  for (const d of fs.readdirSync(BOOT_DIR)) {
    if (!d.startsWith('versus-')) continue;
    fs.rmSync(path.join(BOOT_DIR, d), { recursive: true, force: true });
    removed.push(`boot files ${path.join(BOOT_DIR, d)}`);
  }
  return removed;
}

async function waitFor<T>(probe: () => T | null, ms: number): Promise<T | null> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== null) return v;
    if (Date.now() > deadline) return null;
    await new Promise((r) => setTimeout(r, 100));
  }
}
