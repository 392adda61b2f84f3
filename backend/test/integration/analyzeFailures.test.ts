import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { analyzeImage } from '../../src/core/analyzeImage.js';
import { LensError } from '../../src/core/errors.js';
import { ResultStore } from '../../src/core/store/resultStore.js';
import { connectEngine } from '../../src/docker/engine.js';
import { engineImageSource } from '../../src/docker/imageSource.js';
import { describeEngines } from '../support/engines.js';

// Bad situations against real engines: a missing image, the engine going away mid-export, the caller
// cancelling. Each gives one clear LensError and leaves the result store as it was.

/** A unix socket in front of the engine that cuts every connection after `limit` response bytes. */
function cuttingProxy(engineSocket: string, path: string, limit: number): Promise<Server> {
  const server = createServer((client: Socket) => {
    const upstream = createConnection(engineSocket);
    let seen = 0;
    client.pipe(upstream);
    upstream.on('data', (d: Buffer) => {
      seen += d.length;
      if (seen > limit) {
        client.destroy();
        upstream.destroy();
      } else {
        client.write(d);
      }
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  return new Promise((resolve) => server.listen(path, () => resolve(server)));
}

describeEngines('analyze failures', (testEngine) => {
  let dir: string;
  let store: ResultStore;
  let storeDir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lens-analyze-fail-'));
    storeDir = join(dir, 'store');
    store = ResultStore.open(storeDir);
  });
  afterAll(() => {
    store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function rows() {
    const db = new Database(join(storeDir, 'results.db'), { readonly: true });
    try {
      const n = (t: string) => (db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n;
      return { layers: n('layers'), analyses: n('analyses'), images: n('images') };
    } finally {
      db.close();
    }
  }

  async function failure(p: Promise<unknown>): Promise<LensError> {
    const e = await p.then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(LensError);
    expect((e as LensError).message).not.toContain('\n');
    return e as LensError;
  }

  it('an image that does not exist: not-found', async () => {
    const engine = connectEngine(testEngine.host);
    const e = await failure(
      analyzeImage(engineImageSource(engine, 'lens-fixture/does-not-exist:1'), { store }),
    );
    expect(e.code).toBe('not-found');
    expect(e.message).toMatch(/does-not-exist/);
    expect(rows()).toEqual({ layers: 0, analyses: 0, images: 0 });
  });

  it('the engine going away mid-export: engine-unavailable, nothing stored', async () => {
    const proxyPath = join(dir, 'proxy.sock');
    const server = await cuttingProxy(testEngine.host.replace(/^unix:\/\//, ''), proxyPath, 20 * 1024 * 1024);
    try {
      const engine = connectEngine(`unix://${proxyPath}`);
      const e = await failure(
        analyzeImage(engineImageSource(engine, 'lens-fixture/single-stage:latest'), { store }),
      );
      expect(e.code).toBe('engine-unavailable');
      expect(e.message).toMatch(/lost while exporting lens-fixture\/single-stage/);
    } finally {
      await new Promise((r) => server.close(r));
    }
    expect(rows()).toEqual({ layers: 0, analyses: 0, images: 0 });
  });

  it('cancelling mid-export: cancelled, nothing stored, the engine still answers', async () => {
    const engine = connectEngine(testEngine.host);
    const ac = new AbortController();
    const e = await failure(
      analyzeImage(engineImageSource(engine, 'lens-fixture/single-stage:latest'), {
        store,
        signal: ac.signal,
        onProgress: (p) => {
          if (p.bytesRead > 10 * 1024 * 1024) ac.abort();
        },
      }),
    );
    expect(e.code).toBe('cancelled');
    expect(rows()).toEqual({ layers: 0, analyses: 0, images: 0 });
    const r = await analyzeImage(engineImageSource(engine, 'lens-fixture/decoy:latest'), { store });
    expect(r.findings).toEqual([]);
    expect(rows().analyses).toBe(1);
  });
});
