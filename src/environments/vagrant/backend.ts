import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { ImageManifest } from '../../image/manifest.js';
import type { AcceleratorFacts } from '../../results/types.js';
import { SshConnection } from '../../ssh/connection.js';
import { run } from '../../util/exec.js';
import { ofLiveExperiment } from '../../util/live.js';
import { GUEST_WORKLOADS_DIR } from '../../util/paths.js';
import { freePorts } from '../../util/ports.js';
import { projectBundle, type WorkloadBundle } from '../../workload/bundle.js';
import { type AccelChoice, chooseAccelerator, describeChoice, recordKvmFailure } from '../qemu/accel.js';
import type { QemuConfig } from '../qemu/config.js';
import {
  bridgeNicFact,
  bridgePortOf,
  createBridge,
  ownSegmentPort,
  removeSegment,
  type SegmentPort,
  segmentAddress,
  segmentRuns,
} from '../segment.js';
import { joinGuestSegment } from '../sshWorker.js';
import type { Environment, EnvironmentInfo, ProvisionRequest, WorkerHandle } from '../types.js';
import { AcceleratorPolicy } from '../vm/acceleratorPolicy.js';
import { GuestDiedError } from '../vm/guestDeath.js';
import { ensureLibvirtBox } from './box.js';
import type { VagrantConfig } from './config.js';
import { type DomainDeath, watchDomains } from './deathWatch.js';
import { vmHostPid } from './hostProcess.js';
import { DOMAIN_PREFIX, Libvirt, libvirtTracesExist, POOL_NAME, publishBootFiles, removeBootFiles } from './libvirt.js';
import { buildSettings, upArgs } from './settings.js';
import { knownSshHosts, parseSshConfig } from './sshConfig.js';
import {
  destroyRunFolder,
  libvirtDaemonVersion,
  type Prepared,
  runFolderEnv,
  stopVagrant,
  vagrantInventory,
  vagrantRunsDir,
  vagrantToolEnv,
  virtualboxPrepared,
} from './tools.js';
import { VagrantUpOutput } from './upOutput.js';
import { type RunState, VagrantWorker } from './worker.js';

/** The tap libvirt made for a worker's segment NIC: without it the host's counters of the VM would be missing. */
function libvirtTap(worker: string, bridge: string, mac: string): string {
  const tap = bridgePortOf(bridge, mac);
  if (!tap) throw new Error(`${worker}: libvirt put no tap for its segment NIC (${mac}) on the run's bridge ${bridge}`);
  return tap;
}

/**
 * VMs through Vagrant, with the repository's Vagrantfile: libvirt (the worker
 * image as a box, user-mode networking) or VirtualBox (a public box, provisioned).
 */
export class VagrantEnvironment implements Environment {
  readonly name = 'vagrant' as const;
  private prepared: Prepared | null = null;
  private readonly runs = new Map<string, RunState>();
  private readonly libvirt: Libvirt;
  private readonly accelPolicy: AcceleratorPolicy;

  constructor(
    private readonly config: VagrantConfig,
    private readonly image: ImageManifest | null,
    private readonly log: (m: string) => void = () => {},
    /** the qemu backend's settings: the same accelerator request and the binary the KVM probe runs */
    private readonly qemu: Pick<QemuConfig, 'binary' | 'accel'> = {
      binary: 'qemu-system-x86_64',
      accel: 'auto',
    },
    private readonly workloads: WorkloadBundle = projectBundle(),
  ) {
    this.libvirt = new Libvirt(config.libvirtUri, log);
    this.accelPolicy = new AcceleratorPolicy(qemu.accel, log);
  }

  private get provider() {
    return this.config.provider;
  }

  /** vagrant, its plugins and provider, libvirtd and the pool, the accelerator, the box: all ready. */
  async prepare(): Promise<void> {
    if (!this.prepared) this.prepared = await this.prepareOnce();
  }

  async describe(): Promise<EnvironmentInfo & Partial<AcceleratorFacts>> {
    await this.prepare();
    return this.prepared!.info;
  }

  private async prepareOnce(): Promise<Prepared> {
    const vagrant = this.config.binary;
    const inventory = await vagrantInventory(vagrant);
    if (!inventory) {
      throw new Error(
        `vagrant: ${vagrant} is missing; install it with scripts/setup.sh (apt-get install vagrant vagrant-libvirt)`,
      );
    }
    const { version, plugins } = inventory;
    const info: EnvironmentInfo = {
      vagrant: version,
      provider: this.provider,
      plugins: plugins.map((p) => `${p.name} ${p.version}`),
    };
    if (this.provider === 'virtualbox') return virtualboxPrepared(this.config, info);

    if (!plugins.some((p) => p.name === 'vagrant-libvirt')) {
      throw new Error(
        'vagrant/libvirt: the vagrant-libvirt plugin is missing; apt-get install vagrant-libvirt (scripts/setup.sh)',
      );
    }
    if (this.config.box) {
      throw new Error(
        'vagrant.box applies to the virtualbox provider; the libvirt provider boots the worker image as its box (versus image build --vagrant-box)',
      );
    }
    const image = this.image;
    if (!image) throw new Error('vagrant/libvirt: the worker image is needed (versus image build)');
    await this.libvirt.ensureRunning();
    await this.libvirt.ensurePool();
    const accel = await this.chooseAccel(image);
    const driver = accel.accel === 'kvm' ? 'kvm' : 'qemu';
    this.log(describeChoice('vagrant/libvirt', accel));
    if (driver === 'qemu') {
      this.log(
        'vagrant: WARNING: libvirt runs the VMs under TCG software emulation; VM numbers are not those of a hardware hypervisor',
      );
    }
    const box = await ensureLibvirtBox(vagrant, image, vagrantToolEnv(), this.log);
    const boot = publishBootFiles(image.hash, image.kernel, image.initrd);
    const libvirtVersion = await libvirtDaemonVersion(this.config.libvirtUri);
    return {
      box,
      libvirt: {
        uri: this.config.libvirtUri,
        driver,
        emulator: this.config.emulator ?? null,
        kernel: boot.kernel,
        initrd: boot.initrd,
        cmdline: image.kernelCmdline,
      },
      ssh: { username: 'root', privateKey: image.clientKey },
      syncNeeded: this.workloads.hash !== image.workloadsHash,
      info: {
        ...info,
        libvirt: libvirtVersion,
        box,
        driver,
        accelerator: accel.accel,
        acceleratorReason: accel.reason,
        acceleratorProbedAt: accel.probedAt ?? null,
        ...(this.config.emulator ? { emulator: this.config.emulator } : {}),
        kernel: image.kernelVersion,
        node: image.nodeVersion,
        network: 'QEMU user-mode (restrict=on), SSH forwarded to 127.0.0.1',
        bridgeNic: `${bridgeNicFact()}, the tap made by libvirt (interface type bridge)`,
        hostView: 'process: /proc/<qemu pid>/stat of each libvirt domain',
      },
    };
  }

  /** The KVM probe runs the emulator libvirt will start (vagrant.emulator, else qemu.binary). */
  private probeTarget(image: ImageManifest) {
    return { binary: this.config.emulator ?? this.qemu.binary, kernel: image.kernel, initrd: image.initrd };
  }

  private chooseAccel(image: ImageManifest): Promise<AccelChoice> {
    const requested = this.qemu.accel === 'hvf' ? 'auto' : this.qemu.accel;
    return chooseAccelerator(requested, this.probeTarget(image));
  }

  runFacts(): Record<string, unknown> {
    const driver = this.prepared?.libvirt?.driver;
    return driver ? { accelerator: driver === 'kvm' ? 'kvm' : 'tcg', libvirtDriver: driver } : {};
  }

  infoUpdates(): EnvironmentInfo {
    const lv = this.prepared?.libvirt;
    const changed = this.accelPolicy.infoUpdates();
    return lv && Object.keys(changed).length ? { driver: lv.driver, ...changed } : {};
  }

  async provision(req: ProvisionRequest): Promise<WorkerHandle[]> {
    if (!this.prepared) this.prepared = await this.prepareOnce();
    try {
      return await this.provisionPrepared(req, this.prepared);
    } catch (err) {
      throw await this.onBootFailure(err, req.runId);
    }
  }

  /** A domain that died under KVM: the VM layer's policy, libvirt's qemu driver (TCG) for the rest. */
  private onBootFailure(err: unknown, runId: string): Promise<unknown> {
    const lv = this.prepared?.libvirt;
    return this.accelPolicy.onBootFailure(err, runId, {
      current: lv?.driver === 'kvm' ? 'kvm' : lv ? 'tcg' : null,
      what: "vagrant/libvirt (libvirt's qemu driver)",
      toTcg: async (_reason, death) => {
        if (lv) lv.driver = 'qemu';
        if (this.image) await recordKvmFailure(this.probeTarget(this.image), death).catch(() => {});
      },
    });
  }

  private async provisionPrepared(req: ProvisionRequest, p: Prepared): Promise<WorkerHandle[]> {
    if (req.network === 'bridge' && this.provider !== 'libvirt')
      throw new Error(
        `vagrant/${this.provider}: network bridge is built for the libvirt provider only (a NIC on the run's bridge through libvirt); use --vagrant-provider libvirt or another network`,
      );
    const bridge = req.network === 'bridge' ? await createBridge(req.runId) : null;
    const dir = path.join(vagrantRunsDir(), req.runId);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    fs.mkdirSync(req.artifactsDir, { recursive: true });
    const settings = buildSettings({
      provider: this.provider,
      runId: req.runId,
      box: p.box,
      bootTimeoutS: this.config.bootTimeoutS,
      workloadsDir: this.workloads.dir,
      guestWorkloadsDir: GUEST_WORKLOADS_DIR,
      workers: Array.from({ length: req.count }, (_, i) => req.allocation(i)),
      sshPorts: await freePorts(req.count),
      artifactsDir: path.resolve(req.artifactsDir),
      ssh: p.ssh,
      libvirt: p.libvirt ? { ...p.libvirt, storagePool: POOL_NAME } : null,
      segmentBridge: bridge,
    });
    fs.writeFileSync(path.join(dir, 'settings.json'), `${JSON.stringify(settings, null, 2)}\n`);
    const env = runFolderEnv(dir);
    const state: RunState = { env, up: null, workers: [] };
    this.runs.set(req.runId, state);

    const output = await this.up(state, req, settings.prefix);
    // versus's own box: it knows the endpoints; a public box: vagrant says where they are
    const hosts = p.ssh
      ? knownSshHosts(settings.workers, p.ssh)
      : parseSshConfig(
          (await run(this.config.binary, ['ssh-config'], { env, timeoutMs: 120_000, signal: req.signal })).stdout,
        );
    const deadline = Date.now() + 60_000;
    await Promise.all(
      settings.workers.map(async (w, i) => {
        const host = hosts.get(w.name);
        if (!host) throw new Error(`vagrant ssh-config printed nothing for ${w.name}`);
        const key = host.identityFiles.find((f) => fs.existsSync(f));
        if (!key)
          throw new Error(
            `${w.name}: none of the identity files of vagrant ssh-config exists (${host.identityFiles.join(', ')})`,
          );
        const ssh = await SshConnection.waitFor(
          {
            host: host.hostName,
            port: host.port,
            username: host.user,
            privateKey: fs.readFileSync(key),
            // our box: the image's host key; a public box: the first key seen, pinned from then on
            pinnedHostKey: this.provider === 'libvirt' ? this.image!.hostKey.publicKeyBase64 : null,
          },
          deadline,
          () => !req.signal.aborted,
        );
        const nic = w.segment ? { mac: w.segment.mac, address: segmentAddress(i) } : null;
        const named = nic ? await joinGuestSegment(w.name, ssh, nic) : null;
        const segment =
          nic && bridge && named
            ? { address: nic.address, tap: libvirtTap(w.name, bridge, nic.mac), nic: named }
            : null;
        const pid = vmHostPid(this.provider, {
          domain: `${settings.prefix}${w.name}`,
          dotfileDir: path.join(dir, '.vagrant'),
          machine: w.name,
        });
        state.workers[i] = new VagrantWorker(
          w.name,
          req.allocation(i),
          ssh,
          pid,
          output.bootSeconds(w.name),
          p.syncNeeded ? this.workloads : null,
          segment,
        );
      }),
    );
    return state.workers;
  }

  /** Runs `vagrant up`, its output to the run's artifacts; stops it when the run is aborted. */
  private async up(state: RunState, req: ProvisionRequest, prefix: string): Promise<VagrantUpOutput> {
    const logFile = fs.createWriteStream(path.join(req.artifactsDir, 'vagrant-up.log'));
    const output = new VagrantUpOutput((machine, message) => this.log(`vagrant: ${machine}: ${message}`));
    const child = spawn(this.config.binary, upArgs(this.provider), {
      env: state.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group: an abort reaches vagrant's children too
    });
    state.up = child;
    const onData = (d: Buffer) => {
      logFile.write(d);
      output.push(d.toString());
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    const onAbort = () => void stopVagrant(child);
    req.signal.addEventListener('abort', onAbort, { once: true });
    // a domain that dies under KVM stays "running" for vagrant until its boot timeout: watch it
    let death: DomainDeath | null = null;
    const stopWatch =
      this.provider === 'libvirt'
        ? watchDomains(this.libvirt, prefix, (d) => {
            death = d;
            void stopVagrant(child);
          })
        : () => {};
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (c) => resolve(c));
    }).finally(() => {
      stopWatch();
      req.signal.removeEventListener('abort', onAbort);
      state.up = null;
      output.end();
      logFile.end();
    });
    if (req.signal.aborted) throw new Error('vagrant up interrupted');
    if (death) {
      const d: DomainDeath = death;
      throw new GuestDiedError(
        `vagrant/libvirt: domain ${d.domain} died ${d.secondsAfterStart.toFixed(1)} s after it was defined, while booting: ${d.reason}; ${d.excerpt}`,
        d.reason,
      );
    }
    if (code !== 0) {
      throw new Error(`vagrant up --provider ${this.provider} failed (exit ${code}): ${output.errorMessage()}`);
    }
    return output;
  }

  async teardown(runId: string): Promise<void> {
    const state = this.runs.get(runId);
    if (state) {
      if (state.up) await stopVagrant(state.up);
      await Promise.all(state.workers.filter(Boolean).map((w) => w.close()));
    }
    this.runs.delete(runId);
    const problems = await destroyRunFolder(this.config, this.libvirt, path.join(vagrantRunsDir(), runId));
    // after the domains: libvirt takes their taps off the bridge as they go
    await removeSegment(runId).catch((err: Error) => problems.push(err.message));
    if (problems.length) throw new Error(problems.join('; '));
  }

  async segmentPort(runId: string): Promise<SegmentPort> {
    return ownSegmentPort(runId);
  }

  /** Its own runs, and the run folders of this experiment (or of every one but live ones) that a teardown left. */
  private async removeRuns(prefix: string, live: readonly string[] = []): Promise<string[]> {
    const removed = [...this.runs.keys()].map((id) => `vagrant run ${id}`);
    for (const id of [...this.runs.keys()]) await this.teardown(id).catch(() => {});
    const left = fs.existsSync(vagrantRunsDir()) ? fs.readdirSync(vagrantRunsDir()) : [];
    for (const id of left.filter((x) => x.startsWith(prefix) && !ofLiveExperiment(x, live))) {
      await destroyRunFolder(this.config, this.libvirt, path.join(vagrantRunsDir(), id));
      removed.push(`vagrant run ${id}`);
    }
    return removed;
  }

  /** Its own runs; the shared pool, domains and kernels too once no other experiment's run is left. */
  async cleanExperiment(experimentId: string): Promise<string[]> {
    const removed = await this.removeRuns(`${experimentId}-`);
    for (const runId of segmentRuns().filter((r) => r.startsWith(`${experimentId}-`)))
      removed.push(...(await removeSegment(runId)));
    const others = fs.existsSync(vagrantRunsDir()) && fs.readdirSync(vagrantRunsDir()).length > 0;
    return others ? removed : [...removed, ...(await this.removeShared())];
  }

  /**
   * Every run folder, every versus domain, our pool with the base-box volume, the published
   * kernels; while an experiment runs (live), its runs and the shared pool and kernels stay.
   */
  async cleanAll(live: readonly string[] = []): Promise<string[]> {
    const runs = await this.removeRuns('', live);
    return live.length ? runs : [...runs, ...(await this.removeShared())];
  }

  private async removeShared(): Promise<string[]> {
    const removed: string[] = [];
    if (this.provider === 'libvirt' && libvirtTracesExist()) {
      await this.libvirt.ensureRunning();
      for (const d of await this.libvirt.domains(DOMAIN_PREFIX)) {
        await this.libvirt.removeDomain(d);
        removed.push(`libvirt domain ${d}`);
      }
      removed.push(...(await this.libvirt.removePool()));
    }
    removed.push(...removeBootFiles());
    // after the domains are gone: libvirtd of a killed harness has nothing left to do
    removed.push(...(await Libvirt.stopOrphans()));
    return removed;
  }

  async close(): Promise<void> {
    await this.libvirt.stopStarted();
  }
}
