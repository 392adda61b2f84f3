import { resolve } from 'node:path';
import { baseImages, fixDockerfile, lintDockerfile } from '../core/doctor/index.js';
import { LensError } from '../core/errors.js';
import { ResultStore, defaultStoreDir } from '../core/store/resultStore.js';
import { connectEngine } from '../docker/engine.js';
import { createServer, DEFAULT_PORT, DEFAULT_SOCKET, defaultUiDir } from '../http/server.js';
import { engineAnalyzer } from '../jobs/engineAnalyzer.js';
import { parseCommandArgs, type CliCommand } from './command.js';

const USAGE = 'serve [--port N | --socket PATH | --extension] [--ui-dir DIR] [--engine ADDRESS]';

/**
 * `gocache-lens serve`: standalone (127.0.0.1, default port 7412, UI + API with a per-start token) or
 * extension mode (API on a unix socket only: `--socket PATH`, `--extension` or LENS_SOCKET, default
 * /run/guest-services/gocache-lens.sock). Prints the URL as its first stdout line and runs until
 * SIGINT/SIGTERM.
 */
export const command: CliCommand = {
  name: 'serve',
  usage: USAGE,
  summary:
    'Run the backend: the web page and API on 127.0.0.1 (URL with token on the first line), or the API on a unix socket',
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(
      args,
      {
        port: { type: 'string' },
        socket: { type: 'string' },
        extension: { type: 'boolean' },
        'ui-dir': { type: 'string' },
        engine: { type: 'string' },
      },
      USAGE,
    );
    if (positionals.length > 0)
      throw new LensError('bad-input', `unexpected argument "${positionals[0]}" (usage: ${USAGE})`);
    if (values.port !== undefined && (values.socket !== undefined || values.extension)) {
      throw new LensError(
        'bad-input',
        `--port and --socket/--extension exclude each other (usage: ${USAGE})`,
      );
    }
    let port = DEFAULT_PORT;
    if (values.port !== undefined) {
      if (!/^\d{1,5}$/.test(values.port) || Number(values.port) > 65535) {
        throw new LensError('bad-input', `--port must be a number from 0 to 65535, not "${values.port}"`);
      }
      port = Number(values.port);
    }
    const envSocket = io.env.LENS_SOCKET?.trim() || undefined;
    const extension =
      values.socket !== undefined ||
      values.extension === true ||
      (values.port === undefined && envSocket !== undefined);
    const socketPath = values.socket ?? envSocket ?? DEFAULT_SOCKET;
    if (extension && socketPath.trim() === '') throw new LensError('bad-input', '--socket needs a path');

    const engine = connectEngine(values.engine ?? io.env.DOCKER_HOST);
    const store = ResultStore.open(defaultStoreDir(io.env));
    let server;
    try {
      server = await createServer({
        mode: extension ? 'extension' : 'standalone',
        engine,
        store,
        analyze: engineAnalyzer(engine, store),
        doctor: { lintDockerfile, fixDockerfile, baseImages },
        port,
        socketPath: resolve(io.cwd, socketPath),
        uiDir:
          values['ui-dir'] !== undefined ? resolve(io.cwd, values['ui-dir']) : (defaultUiDir(io.env) ?? null),
        logger: Boolean(io.env.LENS_DEBUG),
      });
    } catch (e) {
      store.close();
      throw e;
    }
    try {
      const url = await server.listen();
      io.stdout.write(`${url}\n`);
      await new Promise<void>((done) => {
        if (io.signal.aborted) done();
        else io.signal.addEventListener('abort', () => done(), { once: true });
      });
    } finally {
      await server.close();
      store.close();
    }
    return 0;
  },
};
