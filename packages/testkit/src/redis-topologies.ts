/**
 * Redis as firms run it, started from the local `redis-server` on free ports: TLS with a private
 * CA, a master with a replica watched by a sentinel, and a three-master cluster. Each `stop()`
 * stops every process it started and removes its files; tests call it in `afterAll` and on failure.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort, RedisServerProcess, spawnRedisServer, stopChild } from './redis-server.js';
import { waitFor } from './wait.js';

const run = promisify(execFile);

/** PEM files made with openssl for one test run: a CA, a server and a client signed by it, and an unrelated CA. */
export interface TestCertificates {
  dir: string;
  caFile: string;
  serverCertFile: string;
  serverKeyFile: string;
  clientCertFile: string;
  clientKeyFile: string;
  /** A CA that signed nothing here: trusting only it must fail. */
  otherCaFile: string;
  remove(): void;
}

/** Makes a CA, a server certificate for `127.0.0.1`/`localhost` (and `serverName`), a client certificate, and a second CA. */
export async function makeTestCertificates(serverName = 'redis.lexbridge.test'): Promise<TestCertificates> {
  const dir = mkdtempSync(join(tmpdir(), 'lexbridge-tls-'));
  const f = (name: string) => join(dir, name);
  const ssl = (...args: string[]) => run('openssl', args, { cwd: dir, timeout: 20_000 });
  try {
    for (const ca of ['ca', 'other-ca']) {
      await ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=lexbridge test ${ca}`, '-keyout', f(`${ca}.key`), '-out', f(`${ca}.crt`));
    }
    writeFileSync(f('server.ext'), `subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:${serverName}\nextendedKeyUsage=serverAuth\n`);
    writeFileSync(f('client.ext'), 'extendedKeyUsage=clientAuth\n');
    for (const who of ['server', 'client']) {
      await ssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=lexbridge test ${who}`, '-keyout', f(`${who}.key`), '-out', f(`${who}.csr`));
      await ssl('x509', '-req', '-in', f(`${who}.csr`), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', f(`${who}.ext`), '-out', f(`${who}.crt`));
    }
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    dir,
    caFile: f('ca.crt'),
    serverCertFile: f('server.crt'),
    serverKeyFile: f('server.key'),
    clientCertFile: f('client.crt'),
    clientKeyFile: f('client.key'),
    otherCaFile: f('other-ca.crt'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A `redis-server` with a TLS port that requires a client certificate, and a password. */
export async function startTlsRedis(certs: TestCertificates, password: string): Promise<{ server: RedisServerProcess; tlsPort: number; stop(): Promise<void> }> {
  const tlsPort = await freePort();
  const server = await RedisServerProcess.start({
    password,
    args: [
      '--tls-port', String(tlsPort),
      '--tls-cert-file', certs.serverCertFile, '--tls-key-file', certs.serverKeyFile,
      '--tls-ca-cert-file', certs.caFile, '--tls-auth-clients', 'yes',
    ],
  });
  return { server, tlsPort, stop: () => server.stop() };
}

/** A master, its replica and one sentinel watching them (quorum 1), all on loopback. */
export interface SentinelSet {
  masterName: string;
  master: RedisServerProcess;
  replica: RedisServerProcess;
  sentinelPort: number;
  /** Where the sentinel says the master is now. */
  masterPort(): Promise<number>;
  /** Kills the master (SIGKILL) and waits until the sentinel has promoted the replica. */
  failOver(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startSentinelSet(masterName = 'lexbridge-master'): Promise<SentinelSet> {
  const started: Array<() => Promise<void>> = [];
  const stop = async () => {
    while (started.length) await started.pop()!();
  };
  try {
    const master = await RedisServerProcess.start({ appendOnly: true });
    started.push(() => master.stop());
    const replica = await RedisServerProcess.start({ appendOnly: true, args: ['--replicaof', '127.0.0.1', String(master.port)] });
    started.push(() => replica.stop());
    const sentinelPort = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'lexbridge-sentinel-'));
    const conf = join(dir, 'sentinel.conf');
    writeFileSync(
      conf,
      [
        `port ${sentinelPort}`, 'bind 127.0.0.1', `dir ${dir}`,
        `sentinel monitor ${masterName} 127.0.0.1 ${master.port} 1`,
        `sentinel down-after-milliseconds ${masterName} 1000`,
        `sentinel failover-timeout ${masterName} 10000`,
        '',
      ].join('\n'),
    );
    const sentinel: ChildProcess = await spawnRedisServer([conf, '--sentinel'], `redis://127.0.0.1:${sentinelPort}`);
    started.push(async () => {
      await stopChild(sentinel);
      rmSync(dir, { recursive: true, force: true });
    });
    const ask = async <T>(fn: (s: Redis) => Promise<T>): Promise<T> => {
      const s = new Redis(sentinelPort, '127.0.0.1', { maxRetriesPerRequest: 1, lazyConnect: true });
      try {
        await s.connect();
        return await fn(s);
      } finally {
        s.disconnect();
      }
    };
    const masterPort = async () => Number(((await ask((s) => s.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', masterName))) as string[])[1]);
    // The replica must be in sync and known to the sentinel before a failover can promote it.
    await waitFor(
      async () => {
        const replicas = (await ask((s) => s.call('SENTINEL', 'REPLICAS', masterName))) as string[][];
        const flags = replicas.map((r) => r[r.indexOf('flags') + 1]);
        const link = (await replica.client((c) => c.info('replication'))).includes('master_link_status:up');
        return link && flags.some((f) => f === 'slave');
      },
      { timeoutMs: 20_000, message: 'the sentinel knows the replica and it is in sync' },
    );
    return {
      masterName,
      master,
      replica,
      sentinelPort,
      masterPort,
      async failOver(timeoutMs = 30_000) {
        await master.stopProcess('SIGKILL');
        await waitFor(async () => (await masterPort()) === replica.port, { timeoutMs, message: 'the sentinel promoted the replica' });
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A Redis Cluster of `masters` masters and no replicas, every slot assigned. */
export interface RedisClusterSet {
  nodes: RedisServerProcess[];
  /** A seed URL: the first node. */
  url: string;
  stop(): Promise<void>;
}

export async function startRedisCluster(masters = 3): Promise<RedisClusterSet> {
  const nodes: RedisServerProcess[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  };
  try {
    for (let i = 0; i < masters; i++) {
      nodes.push(await RedisServerProcess.start({ args: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000'] }));
    }
    await run('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '0', '--cluster-yes'], { timeout: 30_000 });
    await waitFor(
      async () => (await Promise.all(nodes.map((n) => n.client((c) => c.call('CLUSTER', 'INFO') as Promise<string>)))).every((i) => i.includes('cluster_state:ok')),
      { timeoutMs: 20_000, message: 'every cluster node says cluster_state:ok' },
    );
    return { nodes, url: nodes[0]!.url, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
