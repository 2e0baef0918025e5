// A Docker Engine on another host, through its API socket forwarded over the host's
// SSH connection (as DOCKER_HOST=ssh://… does, without a docker CLI on either side).
import http from 'node:http';
import type { Duplex } from 'node:stream';
import Docker from 'dockerode';
import type { RemoteHost } from '../../hosts/remote.js';
import { dockerSocketOf } from './config.js';

/** An SSH channel where http expects a socket: the socket-only calls do nothing. */
function asSocket(stream: Duplex): Duplex {
  const s = stream as Duplex & Record<string, unknown>;
  for (const m of ['setTimeout', 'setNoDelay', 'setKeepAlive', 'ref', 'unref'])
    if (typeof s[m] !== 'function') s[m] = () => s;
  return s;
}

export function dockerOverSsh(host: RemoteHost): Docker {
  const agent = new http.Agent({ keepAlive: false });
  // one forwarded channel per HTTP connection (hijacked attach streams included)
  (agent as unknown as { createConnection: unknown }).createConnection = (
    _opts: unknown,
    done: (err: Error | null, socket?: Duplex) => void,
  ) => {
    host.openSocket(dockerSocketOf(host.config)).then(
      (stream) => done(null, asSocket(stream)),
      (err: Error) => done(err),
    );
    return undefined;
  };
  return new Docker({ protocol: 'http', host: `engine-of-${host.name}`, port: 2375, agent } as Docker.DockerOptions);
}
