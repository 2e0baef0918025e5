import { describe, expect, it } from 'vitest';
import { segmentMac } from '../../src/environments/segment.js';
import { libvirtBoxMetadata, parseBoxList, workerBoxName } from '../../src/environments/vagrant/box.js';
import { findVBoxHeadless } from '../../src/environments/vagrant/hostProcess.js';
import {
  buildSettings,
  destroyArgs,
  machinePrefix,
  upArgs,
  vagrantEnv,
  workerName,
} from '../../src/environments/vagrant/settings.js';
import { knownSshHosts, parseSshConfig } from '../../src/environments/vagrant/sshConfig.js';
import { parsePluginList } from '../../src/environments/vagrant/tools.js';
import { VagrantUpOutput } from '../../src/environments/vagrant/upOutput.js';

describe('vagrant ssh-config parser', () => {
  it('reads every Host block, quoted paths with spaces and several IdentityFile lines in order', () => {
    const text = [
      'Host vagrant-0',
      '  HostName 127.0.0.1',
      '  User vagrant',
      '  Port 2250',
      '  UserKnownHostsFile /dev/null',
      '  StrictHostKeyChecking no',
      '  IdentityFile "/home/a user/my project/.vagrant/machines/vagrant-0/virtualbox/private_key"',
      '  IdentityFile /home/a/.vagrant.d/insecure_private_key',
      '  IdentitiesOnly yes',
      '',
      'Host vagrant-1',
      '  HostName=127.0.0.1',
      '  Port=2251',
      '  identityfile /k1',
      '',
    ].join('\n');
    const hosts = parseSshConfig(text);
    expect([...hosts.keys()]).toEqual(['vagrant-0', 'vagrant-1']);
    expect(hosts.get('vagrant-0')).toEqual({
      host: 'vagrant-0',
      hostName: '127.0.0.1',
      port: 2250,
      user: 'vagrant',
      identityFiles: [
        '/home/a user/my project/.vagrant/machines/vagrant-0/virtualbox/private_key',
        '/home/a/.vagrant.d/insecure_private_key',
      ],
    });
    // no User line: vagrant's default user
    expect(hosts.get('vagrant-1')).toMatchObject({ port: 2251, user: 'vagrant', identityFiles: ['/k1'] });
  });

  it('reads the CRLF output of vagrant on Windows hosts and ignores comments', () => {
    const hosts = parseSshConfig('# generated\r\nHost w\r\n  HostName 127.0.0.1\r\n  Port 22\r\n  User root\r\n');
    expect(hosts.get('w')).toMatchObject({ hostName: '127.0.0.1', port: 22, user: 'root' });
  });

  it('knows the endpoints of its own box without asking vagrant: the port it forwarded, the image key', () => {
    const hosts = knownSshHosts(
      [
        { name: 'vagrant-0', sshPort: 40001 },
        { name: 'vagrant-1', sshPort: 40002 },
      ],
      { username: 'root', privateKey: '/cache/image/client_key' },
    );
    expect(hosts.get('vagrant-1')).toEqual({
      host: 'vagrant-1',
      hostName: '127.0.0.1',
      port: 40002,
      user: 'root',
      identityFiles: ['/cache/image/client_key'],
    });
  });

  it('refuses a block vagrant could not fill in, naming the machine', () => {
    expect(() => parseSshConfig('Host vagrant-0\n  User root\n')).toThrow(/vagrant-0/);
    expect(() => parseSshConfig('Host vagrant-0\n  HostName 127.0.0.1\n  Port 99999\n')).toThrow(/Port/);
  });

  it('returns nothing for empty output', () => {
    expect(parseSshConfig('').size).toBe(0);
  });
});

describe('vagrant up output', () => {
  it('measures boot per machine from the provider start line to "booted and ready"', () => {
    let now = 1000;
    const notable: string[] = [];
    const out = new VagrantUpOutput(
      (m, msg) => notable.push(`${m}: ${msg}`),
      () => now,
    );
    out.push(
      "Bringing machine 'vagrant-0' up with 'libvirt' provider...\n==> vagrant-0: Uploading base box image as volume into Libvirt storage...\n",
    );
    out.push(
      '\x1b[KProgress: 10%\r\x1b[KProgress: 100%\r\x1b[K==> vagrant-0: Creating image (snapshot of base box volume).\n',
    );
    out.push('==> vagrant-0: Starting dom');
    now = 2000;
    out.push('ain.\n==> vagrant-1: Booting VM...\n');
    now = 37_000;
    out.push('==> vagrant-0: Machine booted and ready!\n');
    now = 40_500;
    out.push('==> vagrant-1: Machine booted and ready!');
    out.end();
    expect(out.bootSeconds('vagrant-0')).toBe(35);
    expect(out.bootSeconds('vagrant-1')).toBe(38.5);
    expect(out.bootSeconds('vagrant-2')).toBeNull();
    expect(notable).toEqual([
      'vagrant-0: Uploading base box image as volume into Libvirt storage...',
      'vagrant-0: Starting domain.',
      'vagrant-1: Booting VM...',
      'vagrant-0: Machine booted and ready!',
      'vagrant-1: Machine booted and ready!',
    ]);
    // progress bars and escape codes never reach the error tail
    expect(out.tail()).not.toContain('Progress');
    expect(out.tail()).not.toContain('\x1b');
  });

  it('keeps the last lines for the error message', () => {
    const out = new VagrantUpOutput();
    for (let i = 0; i < 100; i++) out.push(`line ${i}\n`);
    out.push("The box 'nope' could not be found.\n");
    expect(out.tail(2)).toBe("line 99\nThe box 'nope' could not be found.");
  });

  it("gives vagrant's error paragraph as one line", () => {
    const out = new VagrantUpOutput();
    out.push(
      '==> vagrant-0: Starting domain.\n    vagrant-0: SSH auth method: private key\n==> vagrant-0: Removing domain...\n',
    );
    out.push(
      'Timed out while waiting for the machine to boot. This means that\nVagrant was unable to communicate.\n\nIf you look above, you should see.\n',
    );
    expect(out.errorMessage()).toBe(
      'Timed out while waiting for the machine to boot. This means that Vagrant was unable to communicate. If you look above, you should see.',
    );
    expect(out.errorMessage(20)).toHaveLength(20);
    const plain = new VagrantUpOutput();
    plain.push("The provider 'libvirt' could not be found, but was requested to\nback the machine.\n");
    expect(plain.errorMessage()).toBe(
      "The provider 'libvirt' could not be found, but was requested to back the machine.",
    );
  });

  it('has no boot time when the machine never became ready', () => {
    const out = new VagrantUpOutput();
    out.push('==> vagrant-0: Starting domain.\n');
    expect(out.bootSeconds('vagrant-0')).toBeNull();
  });
});

describe('vagrant settings and calls', () => {
  it('names machines so libvirt and VirtualBox accept them', () => {
    expect(machinePrefix('a1b2c3-001-vagrant-x2-r1')).toBe('versus-a1b2c3-001-vagrant-x2-r1-');
    expect(machinePrefix('Run 7/x')).toBe('versus-run-7-x-');
    expect(workerName(3)).toBe('vagrant-3');
  });

  it('turns allocations into machines: whole vCPUs, MiB, one SSH port and serial log each, pinning kept', () => {
    const s = buildSettings({
      provider: 'libvirt',
      runId: 'ab12cd-003-vagrant-x2-r1',
      box: 'versus/worker-0123',
      bootTimeoutS: 240,
      workloadsDir: '/repo/workloads',
      guestWorkloadsDir: '/opt/versus/workloads',
      workers: [
        { cpus: 1.5, memoryBytes: 512 * 2 ** 20, cpuset: [0, 1] },
        { cpus: 0.5, memoryBytes: 1024 * 2 ** 20, cpuset: null },
      ],
      sshPorts: [40001, 40002],
      artifactsDir: '/res/artifacts/003-vagrant-x2-r1',
      ssh: { username: 'root', privateKey: '/img/id_ed25519' },
      libvirt: null,
    });
    expect(s.prefix).toBe('versus-ab12cd-003-vagrant-x2-r1-');
    expect(s.workers).toEqual([
      {
        name: 'vagrant-0',
        cpus: 2,
        memoryMiB: 512,
        sshPort: 40001,
        cpuset: [0, 1],
        serialLog: '/res/artifacts/003-vagrant-x2-r1/vagrant-0.serial.log',
        segment: null,
      },
      {
        name: 'vagrant-1',
        cpus: 1,
        memoryMiB: 1024,
        sshPort: 40002,
        cpuset: null,
        serialLog: '/res/artifacts/003-vagrant-x2-r1/vagrant-1.serial.log',
        segment: null,
      },
    ]);
  });

  it("network bridge: each machine's NIC on the run's bridge, with the MAC and PCI slot the qemu backend uses", () => {
    const s = buildSettings({
      provider: 'libvirt',
      runId: 'r',
      box: 'b',
      bootTimeoutS: 1,
      workloadsDir: '/w',
      guestWorkloadsDir: '/g',
      workers: [0, 1].map(() => ({ cpus: 1, memoryBytes: 2 ** 30, cpuset: null })),
      sshPorts: [1, 2],
      artifactsDir: '/a',
      ssh: null,
      libvirt: null,
      segmentBridge: 'vsb0badcafe',
    });
    expect(s.workers.map((w) => w.segment)).toEqual([
      { bridge: 'vsb0badcafe', mac: segmentMac(0), slot: '0x10' },
      { bridge: 'vsb0badcafe', mac: segmentMac(1), slot: '0x10' },
    ]);
  });

  it('gives every vagrant call its own state folder and no calls home', () => {
    const env = vagrantEnv(
      { PATH: '/bin', VAGRANT_FORCE_COLOR: '1' },
      { projectRoot: '/repo', dotfileDir: '/c/run/.vagrant', settingsFile: '/c/run/settings.json' },
    );
    expect(env).toMatchObject({
      PATH: '/bin',
      VAGRANT_CWD: '/repo',
      VAGRANT_DOTFILE_PATH: '/c/run/.vagrant',
      VERSUS_VAGRANT_SETTINGS: '/c/run/settings.json',
      VAGRANT_CHECKPOINT_DISABLE: '1',
      VAGRANT_BOX_UPDATE_CHECK_DISABLE: '1',
    });
    expect(env.VAGRANT_FORCE_COLOR).toBeUndefined();
  });

  it('boots libvirt machines in parallel and VirtualBox ones one by one', () => {
    expect(upArgs('libvirt')).toEqual(['up', '--provider', 'libvirt', '--parallel']);
    expect(upArgs('virtualbox')).toEqual(['up', '--provider', 'virtualbox', '--no-parallel']);
    expect(destroyArgs()).toEqual(['destroy', '--force']);
  });
});

describe('vagrant boxes and plugins', () => {
  it('packs the image as a v2 libvirt box named after its hash', () => {
    expect(libvirtBoxMetadata()).toEqual({
      provider: 'libvirt',
      format: 'qcow2',
      disks: [{ path: 'box.img', format: 'qcow2' }],
    });
    expect(workerBoxName({ hash: 'fe446d8123e266db0123456789' })).toBe('versus/worker-fe446d8123e266db');
  });

  it('reads vagrant box list, with and without an architecture', () => {
    const boxes = parseBoxList(
      [
        'debian/bookworm64             (virtualbox, 12.20240905.1)',
        'versus/worker-fe446d8123e266db (libvirt, 0)',
        'generic/ubuntu2204 (libvirt, 4.3.12, (amd64))',
        'There are no installed boxes! Use `vagrant box add` to add some.',
      ].join('\n'),
    );
    expect(boxes).toEqual([
      { name: 'debian/bookworm64', provider: 'virtualbox', version: '12.20240905.1' },
      { name: 'versus/worker-fe446d8123e266db', provider: 'libvirt', version: '0' },
      { name: 'generic/ubuntu2204', provider: 'libvirt', version: '4.3.12' },
    ]);
  });

  it('reads vagrant plugin list', () => {
    expect(parsePluginList('vagrant-libvirt (0.11.2, system)\nvagrant-vbguest (0.32.0, global)\n')).toEqual([
      { name: 'vagrant-libvirt', version: '0.11.2' },
      { name: 'vagrant-vbguest', version: '0.32.0' },
    ]);
    expect(parsePluginList('No plugins installed.')).toEqual([]);
  });
});

describe('host process of a VirtualBox VM', () => {
  it('finds the VBoxHeadless started for the VM id, not another VM or a VBoxManage call', () => {
    const id = '5b7c1f2e-0000-4000-8000-000000000001';
    const procs = [
      { pid: 10, argv: ['/usr/lib/virtualbox/VBoxManage', 'showvminfo', id] },
      { pid: 11, argv: ['/usr/lib/virtualbox/VBoxHeadless', '--comment', 'other', '--startvm', 'another-id'] },
      {
        pid: 12,
        argv: [
          '/usr/lib/virtualbox/VBoxHeadless',
          '--comment',
          'versus-x-vagrant-0',
          '--startvm',
          id,
          '--vrde',
          'config',
        ],
      },
    ];
    expect(findVBoxHeadless(procs, id)).toBe(12);
    expect(findVBoxHeadless(procs, 'missing')).toBeNull();
  });
});
