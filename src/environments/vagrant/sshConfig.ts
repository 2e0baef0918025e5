/** One Host block of `vagrant ssh-config`. */
export interface SshConfigHost {
  host: string;
  hostName: string;
  port: number;
  user: string;
  /** in order; vagrant lists several when a box key and the insecure key both apply */
  identityFiles: string[];
}

/** Splits one line into keyword and value: `Key value`, `Key=value`, value optionally in double quotes. */
function splitLine(line: string): [string, string] | null {
  const m = /^\s*([A-Za-z][A-Za-z0-9]*)\s*(?:=\s*|\s+)(.*?)\s*$/.exec(line);
  if (!m) return null;
  let value = m[2]!;
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
  return [m[1]!.toLowerCase(), value];
}

/**
 * Parses the OpenSSH client config that `vagrant ssh-config` prints (one Host
 * block per machine). Pure. Blocks without HostName or Port are an error: they
 * mean vagrant could not tell how to reach the machine.
 */
export function parseSshConfig(text: string): Map<string, SshConfigHost> {
  const hosts = new Map<string, SshConfigHost>();
  let current: Partial<SshConfigHost> & { identityFiles: string[] } = { identityFiles: [] };
  const finish = () => {
    if (current.host === undefined) return;
    if (!current.hostName || !current.port) {
      throw new Error(`vagrant ssh-config: no HostName/Port for ${current.host}`);
    }
    hosts.set(current.host, {
      host: current.host,
      hostName: current.hostName,
      port: current.port,
      user: current.user ?? 'vagrant',
      identityFiles: current.identityFiles,
    });
  };
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/^\s*#.*$/, '');
    if (!line.trim()) continue;
    const kv = splitLine(line);
    if (!kv) continue;
    const [key, value] = kv;
    if (key === 'host') {
      finish();
      current = { host: value, identityFiles: [] };
    } else if (key === 'hostname') current.hostName = value;
    else if (key === 'port') {
      const port = Number(value);
      if (!Number.isInteger(port) || port <= 0 || port > 65535) {
        throw new Error(`vagrant ssh-config: bad Port ${JSON.stringify(value)} for ${current.host ?? '?'}`);
      }
      current.port = port;
    } else if (key === 'user') current.user = value;
    else if (key === 'identityfile') current.identityFiles.push(value);
  }
  finish();
  return hosts;
}

/**
 * The SSH endpoints of a run's machines when versus set them itself (its own box: the
 * image's key, a port it forwarded on 127.0.0.1), so `vagrant ssh-config` — a Ruby start-up
 * and every plugin loaded, seconds a run — is not needed. Pure.
 */
export function knownSshHosts(
  workers: readonly { name: string; sshPort: number }[],
  ssh: { username: string; privateKey: string },
): Map<string, SshConfigHost> {
  return new Map(
    workers.map((w) => [
      w.name,
      { host: w.name, hostName: '127.0.0.1', port: w.sshPort, user: ssh.username, identityFiles: [ssh.privateKey] },
    ]),
  );
}
