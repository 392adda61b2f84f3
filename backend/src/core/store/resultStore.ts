import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { AnalysisResult } from '../analysisTypes.js';
import { LensError } from '../errors.js';
import type { ImageConfig } from '../image/imageConfig.js';
import { LAYER_SUMMARY_VERSION, type LayerSummary } from '../layers/layerSummary.js';

/**
 * The embedded result store (SQLite): per-layer summaries keyed by diffID, so a layer shared by many
 * images is read once; the blob digest -> diffID map for compressed exports; image configs; and
 * finished analyses. Every multi-row write is one transaction.
 */

const SCHEMA_VERSION = 1;
/** Analyses kept per image; older ones are dropped. */
const KEEP_ANALYSES = 50;

export interface StoredAnalysis {
  imageId: string;
  ref: string;
  analyzedAt: string;
  result: AnalysisResult;
}

/** A layer read during an analysis, to store with it. */
export interface NewLayer {
  diffId: string;
  blobDigest?: string;
  summary: LayerSummary;
}

export class ResultStore {
  private constructor(
    private readonly db: Database.Database,
    readonly dir: string,
  ) {}

  static open(dir: string): ResultStore {
    let db: Database.Database;
    try {
      mkdirSync(dir, { recursive: true });
      db = new Database(join(dir, 'results.db'));
      db.pragma('journal_mode = WAL');
      db.pragma('busy_timeout = 5000');
      db.pragma('synchronous = NORMAL');
      migrate(db);
    } catch (e) {
      throw new LensError('internal', `cannot open the result store in ${dir}: ${(e as Error).message}`, e);
    }
    return new ResultStore(db, dir);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Runs `fn` in one transaction (nested calls become savepoints). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  getLayer(diffId: string): LayerSummary | undefined {
    const row = this.db
      .prepare('SELECT summary FROM layers WHERE diff_id = ? AND version = ?')
      .get(diffId, LAYER_SUMMARY_VERSION) as { summary: string } | undefined;
    return row ? (JSON.parse(row.summary) as LayerSummary) : undefined;
  }

  /** Summaries for several layers in one query; missing ones are undefined. */
  getLayers(diffIds: string[]): (LayerSummary | undefined)[] {
    if (diffIds.length === 0) return [];
    const unique = [...new Set(diffIds)];
    const rows = this.db
      .prepare(
        `SELECT diff_id, summary FROM layers WHERE version = ? AND diff_id IN (${unique.map(() => '?').join(',')})`,
      )
      .all(LAYER_SUMMARY_VERSION, ...unique) as { diff_id: string; summary: string }[];
    const byId = new Map(rows.map((r) => [r.diff_id, r.summary]));
    const parsed = new Map<string, LayerSummary>();
    return diffIds.map((d) => {
      const s = byId.get(d);
      if (s === undefined) return undefined;
      let v = parsed.get(d);
      if (!v) parsed.set(d, (v = JSON.parse(s) as LayerSummary));
      return v;
    });
  }

  hasLayer(diffId: string): boolean {
    return !!this.db
      .prepare('SELECT 1 FROM layers WHERE diff_id = ? AND version = ?')
      .get(diffId, LAYER_SUMMARY_VERSION);
  }

  putLayer(diffId: string, summary: LayerSummary, blobDigest?: string): void {
    this.transaction(() => {
      this.db
        .prepare(
          'INSERT INTO layers (diff_id, version, summary, created_at) VALUES (?, ?, ?, ?) ' +
            'ON CONFLICT(diff_id) DO UPDATE SET version = excluded.version, summary = excluded.summary, created_at = excluded.created_at',
        )
        .run(diffId, summary.version, JSON.stringify(summary), new Date().toISOString());
      if (blobDigest && blobDigest !== diffId) {
        this.db
          .prepare('INSERT OR REPLACE INTO blobs (digest, diff_id) VALUES (?, ?)')
          .run(blobDigest, diffId);
      }
    });
  }

  /** True when the blob's layer summary is stored (a plain-tar blob's digest is its diffID). */
  hasBlob(digest: string): boolean {
    if (this.hasLayer(digest)) return true;
    const row = this.db.prepare('SELECT diff_id FROM blobs WHERE digest = ?').get(digest) as
      { diff_id: string } | undefined;
    return !!row && this.hasLayer(row.diff_id);
  }

  getImageConfig(imageId: string): ImageConfig | undefined {
    const row = this.db.prepare('SELECT config FROM images WHERE image_id = ?').get(imageId) as
      { config: string } | undefined;
    return row ? (JSON.parse(row.config) as ImageConfig) : undefined;
  }

  putImageConfig(imageId: string, config: ImageConfig): void {
    const slim: ImageConfig = {
      architecture: config.architecture,
      os: config.os,
      config: { Env: config.config?.Env ?? [], User: config.config?.User },
      history: config.history,
      rootfs: config.rootfs,
    };
    this.db
      .prepare('INSERT OR REPLACE INTO images (image_id, config, updated_at) VALUES (?, ?, ?)')
      .run(imageId, JSON.stringify(slim), new Date().toISOString());
  }

  saveAnalysis(result: AnalysisResult, at: Date = new Date()): void {
    this.transaction(() => {
      this.db
        .prepare('INSERT INTO analyses (image_id, ref, analyzed_at, result) VALUES (?, ?, ?, ?)')
        .run(result.image.id, result.image.ref, at.toISOString(), JSON.stringify(result));
      this.db
        .prepare(
          'DELETE FROM analyses WHERE image_id = ? AND id NOT IN ' +
            '(SELECT id FROM analyses WHERE image_id = ? ORDER BY id DESC LIMIT ?)',
        )
        .run(result.image.id, result.image.id, KEEP_ANALYSES);
    });
  }

  listAnalyses(filter: { imageId?: string; ref?: string; limit?: number } = {}): StoredAnalysis[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (filter.imageId) {
      where.push('image_id = ?');
      args.push(filter.imageId);
    }
    if (filter.ref) {
      where.push('ref IN (?, ?)');
      args.push(filter.ref, withTag(filter.ref));
    }
    const limit = Math.max(1, Math.min(filter.limit ?? 100, 10_000));
    const rows = this.db
      .prepare(
        `SELECT image_id, ref, analyzed_at, result FROM analyses ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ` +
          'ORDER BY id DESC LIMIT ?',
      )
      .all(...args, limit) as { image_id: string; ref: string; analyzed_at: string; result: string }[];
    return rows.map((r) => ({
      imageId: r.image_id,
      ref: r.ref,
      analyzedAt: r.analyzed_at,
      result: JSON.parse(r.result) as AnalysisResult,
    }));
  }

  latestAnalysis(imageIdOrRef: string): { analyzedAt: string; result: AnalysisResult } | undefined {
    const row = this.db
      .prepare(
        'SELECT analyzed_at, result FROM analyses WHERE image_id = ? OR ref IN (?, ?) ORDER BY id DESC LIMIT 1',
      )
      .get(imageIdOrRef, imageIdOrRef, withTag(imageIdOrRef)) as
      { analyzed_at: string; result: string } | undefined;
    return row
      ? { analyzedAt: row.analyzed_at, result: JSON.parse(row.result) as AnalysisResult }
      : undefined;
  }

  /** Stores what one analysis produced: new layers, the image config and the result, all or nothing. */
  saveCompleted(args: {
    layers: NewLayer[];
    imageIds: string[];
    config?: ImageConfig;
    result: AnalysisResult;
  }): void {
    this.transaction(() => {
      for (const l of args.layers) this.putLayer(l.diffId, l.summary, l.blobDigest);
      if (args.config) for (const id of new Set(args.imageIds)) this.putImageConfig(id, args.config);
      this.saveAnalysis(args.result);
    });
  }
}

function withTag(ref: string): string {
  return /:[^/]+$/.test(ref) || ref.includes('@') || ref.startsWith('sha256:') ? ref : `${ref}:latest`;
}

function migrate(db: Database.Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS layers (
      diff_id TEXT PRIMARY KEY, version INTEGER NOT NULL, summary TEXT NOT NULL, created_at TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS blobs (digest TEXT PRIMARY KEY, diff_id TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS images (image_id TEXT PRIMARY KEY, config TEXT NOT NULL, updated_at TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS analyses (
      id INTEGER PRIMARY KEY AUTOINCREMENT, image_id TEXT NOT NULL, ref TEXT NOT NULL,
      analyzed_at TEXT NOT NULL, result TEXT NOT NULL);
    CREATE INDEX IF NOT EXISTS analyses_image ON analyses (image_id, id);
    CREATE INDEX IF NOT EXISTS analyses_ref ON analyses (ref, id);
  `);
  const row = db.prepare("SELECT value FROM meta WHERE key = 'schema'").get() as
    { value: string } | undefined;
  if (!row) db.prepare("INSERT INTO meta (key, value) VALUES ('schema', ?)").run(String(SCHEMA_VERSION));
  else if (Number(row.value) > SCHEMA_VERSION) {
    throw new Error(`it was written by a newer GoCache Lens (schema ${row.value})`);
  }
}

/** LENS_STORE, else the per-user data directory (XDG_DATA_HOME, ~/.local/share, or the OS's own). */
export function defaultStoreDir(env: NodeJS.ProcessEnv): string {
  if (env.LENS_STORE && env.LENS_STORE.trim() !== '') return env.LENS_STORE;
  if (env.XDG_DATA_HOME && env.XDG_DATA_HOME.trim() !== '') return join(env.XDG_DATA_HOME, 'gocache-lens');
  const home = env.HOME || env.USERPROFILE || homedir();
  if (process.platform === 'darwin') return join(home, 'Library', 'Application Support', 'gocache-lens');
  if (process.platform === 'win32') {
    return join(env.LOCALAPPDATA || join(home, 'AppData', 'Local'), 'gocache-lens');
  }
  return join(home, '.local', 'share', 'gocache-lens');
}
