#!/usr/bin/env node
// A ProxyCommand for the test hosts: stdin/stdout to a TCP address (as `nc HOST PORT`),
// run inside the vs-lan namespace so the connection crosses its bridge.
import net from 'node:net';

const [host, port] = process.argv.slice(2);
const socket = net.connect(Number(port), host);
process.stdin.pipe(socket);
socket.pipe(process.stdout);
socket.on('error', (err) => {
  process.stderr.write(`proxy: ${err.message}\n`);
  process.exit(1);
});
socket.on('close', () => process.exit(0));
