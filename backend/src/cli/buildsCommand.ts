import { baseImages, fixDockerfile, lintDockerfile } from '../core/doctor/index.js';
import { LensError } from '../core/errors.js';
import { getBuild, listBuilds, type BuildDetail, type BuildSummary } from '../docker/buildHistory.js';
import { connectEngine } from '../docker/engine.js';
import { oneOf, parseCommandArgs, type CliCommand } from './command.js';

const USAGE = 'builds [--format text|json] | builds show REF [--format text|json] [--dockerfile]';

/**
 * `gocache-lens builds`: BuildKit's build history on the engine (DOCKER_HOST), newest first.
 * `builds show REF`: one build with its Dockerfile, error and Dockerfile doctor findings;
 * `--dockerfile` prints only the Dockerfile source.
 */
export const command: CliCommand = {
  name: 'builds',
  usage: USAGE,
  summary:
    'List BuildKit builds with the images they produced, or show one build with its Dockerfile and findings',
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(
      args,
      { format: { type: 'string' }, dockerfile: { type: 'boolean' } },
      USAGE,
    );
    const format = oneOf(values.format, ['text', 'json'] as const, '--format', 'text');
    const engine = connectEngine(io.env.DOCKER_HOST || undefined);
    const [sub, ref, extra] = positionals;

    if (sub === undefined) {
      if (values.dockerfile)
        throw new LensError('bad-input', `--dockerfile needs "show REF" (usage: ${USAGE})`);
      const builds = await listBuilds(engine, { signal: io.signal });
      io.stdout.write(
        format === 'json' ? `${JSON.stringify({ builds }, null, 2)}\n` : formatBuildTable(builds),
      );
      return 0;
    }
    if (sub !== 'show') throw new LensError('bad-input', `unknown subcommand "${sub}" (usage: ${USAGE})`);
    if (ref === undefined) throw new LensError('bad-input', `missing REF (usage: ${USAGE})`);
    if (extra !== undefined)
      throw new LensError('bad-input', `unexpected argument "${extra}" (usage: ${USAGE})`);
    if (values.dockerfile && values.format !== undefined) {
      throw new LensError(
        'bad-input',
        `--dockerfile prints the Dockerfile only and takes no --format (usage: ${USAGE})`,
      );
    }

    const build = await getBuild(engine, ref, {
      signal: io.signal,
      doctor: { lintDockerfile, fixDockerfile, baseImages },
    });
    if (values.dockerfile) {
      if (!build.dockerfile) {
        throw new LensError(
          'not-found',
          `build ${ref} has no Dockerfile source: ${build.sourceUnavailable ?? 'unknown'}`,
        );
      }
      const text = build.dockerfile.text;
      io.stdout.write(text.endsWith('\n') || text === '' ? text : `${text}\n`);
      return 0;
    }
    io.stdout.write(format === 'json' ? `${JSON.stringify(build, null, 2)}\n` : formatBuildDetail(build));
    return 0;
  },
};

/** `0.4s`, `12.3s`, `3m05s`, `1h02m`. */
export function formatDuration(ms: number | null): string {
  if (ms === null) return '-';
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function shortTime(iso: string | null): string {
  return iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '-';
}

function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function formatBuildTable(builds: BuildSummary[]): string {
  if (builds.length === 0) return 'No builds in the BuildKit history.\n';
  const rows = [
    ['REF', 'STATUS', 'STARTED', 'DURATION', 'STEPS', 'IMAGE', 'NAME'],
    ...builds.map((b) => [
      b.ref,
      b.status,
      shortTime(b.startedAt),
      formatDuration(b.durationMs),
      `${b.steps.completed}/${b.steps.total} (${b.steps.cached} cached)`,
      b.image ? shortId(b.image.id) : '-',
      b.name,
    ]),
  ];
  return `${table(rows)}\n`;
}

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((l) => (l === '' ? l : `${prefix}${l}`))
    .join('\n');
}

export function formatBuildDetail(b: BuildDetail): string {
  const out: string[] = [];
  const field = (label: string, value: string) => out.push(`${`${label}:`.padEnd(12)}${value}`);
  out.push(`Build ${b.ref}`);
  field('Name', b.name);
  field('Dockerfile', b.target ? `${b.dockerfileName} (target ${b.target})` : b.dockerfileName);
  field('Status', b.status);
  field('Started', shortTime(b.startedAt));
  field('Duration', formatDuration(b.durationMs));
  field('Steps', `${b.steps.total} total, ${b.steps.cached} cached, ${b.steps.completed} completed`);
  field('Image', b.image ? `${b.image.tags.join(', ') || '<untagged>'} (${shortId(b.image.id)})` : '-');
  if (b.error) {
    const at = b.error.location ? ` (${b.error.location.filename}:${lineRange(b.error.location)})` : '';
    field('Error', `${b.error.message}${at}`);
  }
  if (b.goChecksumMismatch) {
    const m = b.goChecksumMismatch;
    out.push('');
    out.push(`Go checksum mismatch: ${m.module}`);
    const hint = m.cacheMountHint;
    if (hint) {
      for (const mount of hint.mounts)
        out.push(`  stale module cache mount ${mount.target} (id ${mount.id})`);
      if (hint.recordIds.length > 0) {
        out.push('  clear it (only these cache records):');
        for (const id of hint.recordIds)
          out.push(`    docker builder prune --all --force --filter 'id=^${id}$'`);
      } else {
        out.push('  its build cache record is no longer listed');
      }
    } else {
      out.push('  the failing step mounts no Go module cache: the stale cache is in an image layer');
    }
  }
  if (b.error?.logExcerpt) {
    out.push('');
    out.push('Output of the failing step (last lines):');
    out.push(indent(b.error.logExcerpt, '  '));
  }
  out.push('');
  if (b.dockerfile) {
    out.push(
      `${b.dockerfile.filename} (from ${b.dockerfile.origin === 'provenance' ? 'provenance' : 'the error details'}):`,
    );
    const loc = b.error?.location;
    const lines = b.dockerfile.text.replace(/\n$/, '').split('\n');
    const width = String(lines.length).length;
    lines.forEach((l, i) => {
      const n = i + 1;
      const mark = loc && n >= loc.startLine && n <= loc.endLine ? '>' : ' ';
      out.push(`${mark} ${String(n).padStart(width)}  ${l}`);
    });
  } else {
    out.push(`Dockerfile: not available (${b.sourceUnavailable ?? 'unknown'})`);
  }
  if (b.doctor) {
    out.push('');
    if (b.doctor.findings.length === 0) out.push('Doctor: no findings');
    else {
      out.push(`Doctor: ${b.doctor.findings.length} finding(s)`);
      for (const f of b.doctor.findings) out.push(`  line ${f.line}  ${f.severity}  ${f.rule}  ${f.message}`);
      out.push(
        `  fixes: gocache-lens builds show ${b.ref} --dockerfile > Dockerfile.build && gocache-lens fix Dockerfile.build --diff`,
      );
    }
  } else if (b.doctorError) {
    out.push('');
    out.push(`Doctor: ${b.doctorError}`);
  }
  return `${out.join('\n')}\n`;
}

function lineRange(l: { startLine: number; endLine: number }): string {
  return l.endLine > l.startLine ? `${l.startLine}-${l.endLine}` : String(l.startLine);
}
